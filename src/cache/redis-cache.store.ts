import type Redis from 'ioredis';
import type { CacheEntry, CacheEntryMeta } from './cache-entry';
import type { CacheStore } from './cache-store';

const KEY_PREFIX = 'pixashot:cache:';

/**
 * The shared store: every replica pointed at one Redis sees the others'
 * captures. An entry is two keys, `<prefix>{<key>}:meta` (JSON) and
 * `<prefix>{<key>}:body` (bytes), written together in MULTI with the same PX
 * TTL; the braces keep both in one Redis Cluster slot. Redis's own
 * maxmemory policy bounds the space (CACHE_MAX_SIZE / CACHE_MAX_BYTES are
 * for the memory store).
 *
 * The client is the app's one connection (RedisModule): it queues nothing
 * while Redis is away and bounds every command, so a failure here means
 * "no cache", never a slow capture. The connection is not this store's to close.
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';

  constructor(private readonly client: Redis) {}

  private keys(key: string): [meta: string, body: string] {
    return [`${KEY_PREFIX}{${key}}:meta`, `${KEY_PREFIX}{${key}}:body`];
  }

  isAvailable(): boolean {
    return this.client.status === 'ready';
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    this.requireReady();
    const [meta, body] = await this.client.mgetBuffer(...this.keys(key));
    if (!meta || !body) return undefined; // one half expired first, or never written
    return { meta: JSON.parse(meta.toString('utf8')) as CacheEntryMeta, body };
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<boolean> {
    this.requireReady();
    const [metaKey, bodyKey] = this.keys(key);
    const replies = await this.client
      .multi()
      .set(metaKey, JSON.stringify(entry.meta), 'PX', ttlMs)
      .set(bodyKey, entry.body, 'PX', ttlMs)
      .exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('Redis MULTI was discarded');
    return true;
  }

  usage() {
    return { entries: null, bytes: null, evictions: 0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private requireReady(): void {
    if (!this.isAvailable()) throw new Error(`Redis is not connected (${this.client.status})`);
  }
}
