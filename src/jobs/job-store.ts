import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { FINISHED, JobRecord, JobStatus } from './job.types';

const PREFIX = 'pixashot:jobs:';

/** Sets fields of a job that has not finished; returns 1, or 0 when it is gone or already finished. */
const UPDATE_UNFINISHED = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'succeeded' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

type JsonFields = 'metadata' | 'error' | 'result';
const JSON_FIELDS: JsonFields[] = ['metadata', 'error', 'result'];

/**
 * The jobs' own records in Redis, one hash per job, kept JOB_RESULT_TTL
 * seconds after their last change: the state the API reports, who owns the
 * job, its metadata or error. BullMQ holds the work; this holds what a
 * client may ask about it, also after BullMQ has let go (a cancelled job is
 * removed from the queue, its record says why). Batches and idempotency
 * keys live here too.
 */
export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    redis.defineCommand('pixashotUpdateUnfinished', { numberOfKeys: 1, lua: UPDATE_UNFINISHED });
  }

  private key(id: string): string {
    return `${PREFIX}job:${id}`;
  }

  async create(record: JobRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(record.id), serialise(record))
      .expire(this.key(record.id), this.ttlSeconds)
      .exec();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(id));
    return hash.status ? parse(hash) : undefined;
  }

  async statuses(ids: string[]): Promise<(JobStatus | undefined)[]> {
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.key(id), 'status');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, status]) => (status ?? undefined) as JobStatus | undefined);
  }

  /** Changes a job that has not finished (atomically); false when it had finished (or expired) meanwhile. */
  async updateUnfinished(id: string, fields: Partial<JobRecord>): Promise<boolean> {
    const flat = Object.entries(serialise(fields)).flat();
    const updated = await (
      this.redis as Redis & {
        pixashotUpdateUnfinished(key: string, ttl: number, ...fields: string[]): Promise<number>;
      }
    ).pixashotUpdateUnfinished(this.key(id), this.ttlSeconds, ...flat);
    return updated === 1;
  }

  /**
   * Claims `key` for `jobId` unless the owner already used it within the TTL;
   * returns the job id the key stands for.
   */
  async claimIdempotencyKey(owner: string, key: string, jobId: string): Promise<string> {
    const redisKey = `${PREFIX}idem:${createHash('sha256').update(`${owner}\n${key}`).digest('hex')}`;
    const set = await this.redis.set(redisKey, jobId, 'EX', this.ttlSeconds, 'NX');
    if (set === 'OK') return jobId;
    const existing = await this.redis.get(redisKey);
    if (existing && (await this.redis.exists(this.key(existing)))) return existing;
    await this.redis.set(redisKey, jobId, 'EX', this.ttlSeconds); // its job expired: the key is free again
    return jobId;
  }

  async createBatch(batchId: string, owner: string, jobIds: string[]): Promise<void> {
    await this.redis.set(
      `${PREFIX}batch:${batchId}`,
      JSON.stringify({ owner, jobs: jobIds }),
      'EX',
      this.ttlSeconds,
    );
  }

  async getBatch(batchId: string): Promise<{ owner: string; jobs: string[] } | undefined> {
    const raw = await this.redis.get(`${PREFIX}batch:${batchId}`);
    return raw ? (JSON.parse(raw) as { owner: string; jobs: string[] }) : undefined;
  }

  isFinished(status: JobStatus): boolean {
    return FINISHED.includes(status);
  }
}

function serialise(record: Partial<JobRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue;
    out[name] = JSON_FIELDS.includes(name as JsonFields) ? JSON.stringify(value) : String(value);
  }
  return out;
}

function parse(hash: Record<string, string>): JobRecord {
  const record: Record<string, unknown> = { ...hash, attempts: Number(hash.attempts ?? 0) };
  for (const name of JSON_FIELDS) if (hash[name]) record[name] = JSON.parse(hash[name]);
  return record as unknown as JobRecord;
}
