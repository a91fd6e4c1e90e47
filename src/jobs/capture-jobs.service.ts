import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { CaptureResult } from '../capture/capture.types';
import { AnswerShape, contentDispositionOf } from '../capture/capture-response';
import { describe, parseCaptureRequest } from '../capture/capture-request.parser';
import {
  CapacityError,
  JobFinishedError,
  JobNotReadyError,
  NotFoundError,
  PixashotError,
  ValidationError,
} from '../common/errors';
import { AppConfig } from '../config/app-config';
import { IdempotencyDto, JobOptionsDto } from './dto/capture-job-request.dto';
import { JobStore } from './job-store';
import { CaptureJobData, JobRecord, statusUrlOf, WebhookTarget } from './job.types';
import { JobsMetrics, QUEUE_STATES } from './jobs.metrics';
import { closeBullmq, JobsRedis, throttledWarning } from './jobs.redis';
import { RESULT_STORE } from './jobs.tokens';
import type { ResultStore } from './result-store';
import { loadBullmq } from './bullmq';
import { webhookEventOf, WebhookService } from './webhook.service';

export const CAPTURE_QUEUE = 'captures';
export const QUEUE_PREFIX = 'pixashot';
/** First retry of a capture that failed for the service's own reasons after this; then doubling. */
const RETRY_DELAY_MS = 1000;
const MAX_BATCH = 100;

/** What a finished job's result route answers: the bytes, or (S3) where to fetch them. */
export type JobResult =
  { kind: 'bytes'; capture: CaptureResult; shape: AnswerShape } | { kind: 'redirect'; url: string };

/**
 * The API side of asynchronous captures: validates and queues jobs (on the
 * BullMQ queue every replica's CaptureWorker takes from), answers their
 * state and results to their owner only, cancels them.
 */
@Injectable()
export class CaptureJobsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('CaptureJobs');
  private queue?: Queue<CaptureJobData>;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: JobsRedis,
    private readonly webhooks: WebhookService,
    private readonly metrics: JobsMetrics,
    @Inject(JobStore) private readonly store: JobStore,
    @Inject(RESULT_STORE) private readonly results: ResultStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.asyncEnabled) return;
    const { Queue } = await loadBullmq();
    this.queue = new Queue<CaptureJobData>(CAPTURE_QUEUE, {
      connection: this.redis.bullConnection('pixashot-captures'),
      prefix: QUEUE_PREFIX,
    });
    this.queue.on('error', throttledWarning(this.logger, 'capture queue'));
    const queue = this.queue;
    this.metrics.readQueueDepth(() => queue.getJobCounts(...QUEUE_STATES));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.queue) await closeBullmq(this.queue, this.redis.available);
  }

  /** POST /captures. `created` is false when the idempotency key named an existing job. */
  async submit(owner: string, body: unknown): Promise<{ created: boolean; record: JobRecord }> {
    this.requireAsync();
    if (!isObject(body)) throw new ValidationError('The request body must be a JSON object');
    const { webhook_url, webhook_headers, idempotency_key, ...request } = body;
    const problems = [
      ...captureProblems(request, this.config),
      ...optionProblems(JobOptionsDto, { webhook_url, webhook_headers }),
      ...optionProblems(IdempotencyDto, { idempotency_key }),
    ];
    if (problems.length) throw new ValidationError(problems);
    const webhook = await this.webhookOf(webhook_url, webhook_headers);

    return this.redisCall(async () => {
      const id = randomUUID();
      if (typeof idempotency_key === 'string') {
        const existing = await this.store.claimIdempotencyKey(owner, idempotency_key, id);
        if (existing !== id) {
          const record = await this.store.get(existing);
          if (record) return { created: false, record };
        }
      }
      return { created: true, record: await this.enqueue(id, owner, request, webhook) };
    });
  }

  /** POST /captures/batch: every request validated first; one 400 names each bad index, nothing is queued. */
  async submitBatch(owner: string, body: unknown): Promise<{ batch_id: string; jobs: JobRecord[] }> {
    this.requireAsync();
    if (!isObject(body)) throw new ValidationError('The request body must be a JSON object');
    const { requests, webhook_url, webhook_headers, ...unknown } = body;
    const problems = Object.keys(unknown).map((name) => `unknown field "${name}"`);
    if (!Array.isArray(requests) || requests.length < 1 || requests.length > MAX_BATCH) {
      problems.push(`requests must be a list of 1 to ${MAX_BATCH} capture requests`);
    } else {
      requests.forEach((request, i) =>
        problems.push(...captureProblems(request, this.config).map((p) => `requests[${i}]: ${p}`)),
      );
    }
    problems.push(...optionProblems(JobOptionsDto, { webhook_url, webhook_headers }));
    if (problems.length) throw new ValidationError(problems);
    const webhook = await this.webhookOf(webhook_url, webhook_headers);

    return this.redisCall(async () => {
      const batchId = randomUUID();
      const ids = (requests as unknown[]).map(() => randomUUID());
      await this.store.createBatch(batchId, owner, ids);
      const jobs: JobRecord[] = [];
      for (const [i, request] of (requests as Record<string, unknown>[]).entries()) {
        jobs.push(await this.enqueue(ids[i], owner, request, webhook, batchId));
      }
      return { batch_id: batchId, jobs };
    });
  }

  /** GET /captures/{id}: 404 unless `owner` made it. */
  async status(owner: string, id: string): Promise<JobRecord> {
    this.requireAsync();
    const record = await this.redisCall(() => this.store.get(id));
    if (!record || record.owner !== owner) throw new NotFoundError(`No capture job ${id}`);
    return record;
  }

  async batch(
    owner: string,
    batchId: string,
  ): Promise<{ batch_id: string; jobs: { id: string; status: string }[] }> {
    this.requireAsync();
    return this.redisCall(async () => {
      const batch = await this.store.getBatch(batchId);
      if (!batch || batch.owner !== owner) throw new NotFoundError(`No batch ${batchId}`);
      const statuses = await this.store.statuses(batch.jobs);
      return {
        batch_id: batchId,
        jobs: batch.jobs.map((id, i) => ({ id, status: statuses[i] ?? 'expired' })),
      };
    });
  }

  /** GET /captures/{id}/result: 409 while it runs; 404 for failed, cancelled, expired or others' jobs. */
  async result(owner: string, id: string): Promise<JobResult> {
    const record = await this.status(owner, id);
    if (record.status === 'queued' || record.status === 'running') {
      throw new JobNotReadyError(`The job is ${record.status}; poll ${statusUrlOf(id)}`);
    }
    if (record.status !== 'succeeded' || !record.result || !record.metadata) {
      throw new NotFoundError(`The job ${record.status}: it has no result (${statusUrlOf(id)} says why)`);
    }
    const { result, metadata } = record;
    if (this.results.presignedUrl) {
      const disposition = contentDispositionOf(result.content_disposition ?? 'attachment', metadata.format);
      return { kind: 'redirect', url: await this.results.presignedUrl(id, disposition) };
    }
    const body = await this.redisCall(() => this.results.get!(id));
    if (!body) throw new NotFoundError('The result has expired');
    return {
      kind: 'bytes',
      shape: {
        response_type: result.response_type,
        content_disposition: result.content_disposition ?? 'attachment',
      },
      capture: { body, contentType: result.content_type, metadata, timings: result.timings },
    };
  }

  /** DELETE /captures/{id}: a queued job leaves the queue, a running one is stopped by its worker within a second. */
  async cancel(owner: string, id: string): Promise<void> {
    const record = await this.status(owner, id);
    const finished = () => new JobFinishedError(`The job has already ${record.status}`);
    if (this.store.isFinished(record.status)) throw finished();
    const cancelled = await this.redisCall(() =>
      this.store.updateUnfinished(id, { status: 'cancelled', finished_at: new Date().toISOString() }),
    );
    if (!cancelled) throw new JobFinishedError('The job finished meanwhile');
    const webhook = (await this.queue!.getJob(id).catch(() => undefined))?.data.webhook;
    // A waiting or delayed job is removed; an active one is locked by its worker, which sees the record.
    await this.queue!.remove(id).catch(() => 0);
    this.logger.log({ job_id: id }, 'capture job cancelled');
    if (webhook) await this.webhooks.send(webhook, webhookEventOf(id, 'cancelled', {}));
  }

  private async enqueue(
    id: string,
    owner: string,
    request: Record<string, unknown>,
    webhook?: WebhookTarget,
    batchId?: string,
  ): Promise<JobRecord> {
    const record: JobRecord = {
      id,
      owner,
      status: 'queued',
      attempts: 0,
      created_at: new Date().toISOString(),
      batch_id: batchId,
    };
    await this.store.create(record);
    await this.queue!.add(
      'capture',
      { request, owner, webhook },
      {
        jobId: id,
        attempts: this.config.JOB_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: RETRY_DELAY_MS },
        removeOnComplete: { age: this.config.JOB_RESULT_TTL },
        removeOnFail: { age: this.config.JOB_RESULT_TTL },
      },
    );
    this.logger.log({ job_id: id, batch_id: batchId }, 'capture job queued');
    return record;
  }

  private async webhookOf(url: unknown, headers: unknown): Promise<WebhookTarget | undefined> {
    if (typeof url !== 'string') return undefined;
    await this.webhooks.checkTarget(url);
    return { url, headers: headers as Record<string, string> | undefined };
  }

  private requireAsync(): void {
    if (!this.config.REDIS_URL) {
      throw new CapacityError('Asynchronous captures need Redis: the service runs without REDIS_URL', 60);
    }
    if (!this.config.ASYNC_ENABLED) {
      throw new CapacityError(
        'Asynchronous captures are turned off on this service (ASYNC_ENABLED=false)',
        60,
      );
    }
  }

  /** A Redis that does not answer is a 503 (try again), not a 500. */
  private async redisCall<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof PixashotError) throw err;
      this.logger.warn(`job store: ${(err as Error).message}`);
      throw new CapacityError('Asynchronous captures are unavailable: Redis does not answer', 5);
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The capture fields' problems, from the one parser POST /capture uses. */
function captureProblems(request: unknown, config: AppConfig): string[] {
  try {
    parseCaptureRequest(request, config);
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return Array.isArray(err.details) ? err.details : [err.details ?? err.message];
  }
}

function optionProblems(cls: new () => object, fields: Record<string, unknown>): string[] {
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return describe(validateSync(plainToInstance(cls, present)));
}
