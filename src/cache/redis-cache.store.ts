import Redis from 'ioredis';
import type { CacheEntry, CacheEntryMeta } from './cache-entry';
import type { CacheStore } from './cache-store';

/**
 * Bounds for every Redis command: a capture never waits on a slow or dead
 * Redis longer than this, it runs without the cache instead.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
export const REDIS_CONNECT_TIMEOUT_MS = 1000;
const KEY_PREFIX = 'pixashot:cache:';

/**
 * The shared store: every replica pointed at one Redis sees the others'
 * captures. An entry is two keys, `<prefix>{<key>}:meta` (JSON) and
 * `<prefix>{<key>}:body` (bytes), written together in MULTI with the same PX
 * TTL; the braces keep both in one Redis Cluster slot. Redis's own
 * maxmemory policy bounds the space (CACHE_MAX_SIZE / CACHE_MAX_BYTES are
 * for the memory store).
 *
 * Nothing queues while Redis is away (`enableOfflineQueue: false`): commands
 * fail at once, the client reconnects in the background, and the caller
 * treats a failure as "no cache".
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis';
  readonly client: Redis;

  constructor(url: string, onError: (err: Error) => void) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5000), // keep trying, never give up
      connectionName: 'pixashot-cache',
      // closing while Redis is away arms a timer of this length; keep shutdown prompt
      disconnectTimeout: 200,
    });
    this.client.on('error', onError); // without a listener ioredis prints every failed reconnect
  }

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

  async close(): Promise<void> {
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect(); // also stops reconnect attempts when it never connected
  }

  private requireReady(): void {
    if (!this.isAvailable()) throw new Error(`Redis is not connected (${this.client.status})`);
  }
}
