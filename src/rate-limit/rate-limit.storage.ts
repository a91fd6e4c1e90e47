import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * Redis must never make a capture hang or fail: commands fail at once while
 * disconnected (no offline queue), a connect or a command that stalls gives
 * up after a second, and reconnects keep being tried in the background.
 */
export const REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  connectTimeout: 1000,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  // a closed socket otherwise holds a 2 s timer at shutdown; counters need no graceful drain
  disconnectTimeout: 200,
};

/** host:port of a redis:// URL, without the password it may carry. */
const redisAddress = (url: string) => {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '6379'}`;
};

/**
 * Where the rate-limit counters live: in Redis when REDIS_URL is set (one
 * limit shared by every replica), otherwise in memory. While Redis is
 * unreachable it fails open to the in-memory counters, so each replica still
 * enforces the limit on its own and no request waits for Redis or fails
 * because of it; a warning is logged when Redis goes away and a note when it
 * is back.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly memory = new ThrottlerStorageService();
  private readonly redis?: Redis;
  private readonly shared?: ThrottlerStorageRedisService;
  private readonly address?: string;
  private redisDown = false;
  private closing = false;

  constructor(config: AppConfig) {
    if (!config.RATE_LIMIT_ENABLED || !config.REDIS_URL) return;
    this.address = redisAddress(config.REDIS_URL);
    this.redis = new Redis(config.REDIS_URL, REDIS_OPTIONS);
    this.redis.on('error', (err: Error) => this.markDown(err.message));
    this.redis.on('close', () => this.markDown('connection closed'));
    this.redis.on('ready', () => this.markUp());
    this.shared = new ThrottlerStorageRedisService(this.redis);
  }

  /** Where counting happens right now: 'redis', or 'memory' (no REDIS_URL, or Redis unreachable). */
  get mode(): 'redis' | 'memory' {
    return this.redis?.status === 'ready' ? 'redis' : 'memory';
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.shared && this.mode === 'redis') {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (err) {
        this.markDown((err as Error).message);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.closing = true;
    this.redis?.disconnect(false);
    this.memory.onApplicationShutdown();
  }

  private markDown(reason: string): void {
    if (this.redisDown || this.closing) return;
    this.redisDown = true;
    this.logger.warn(
      `Redis at ${this.address} is unavailable (${reason}): rate limits are counted in memory, per replica, until it is back`,
    );
  }

  private markUp(): void {
    if (this.redisDown) this.logger.log(`Redis at ${this.address} is back: rate limits are shared again`);
    else this.logger.log(`rate-limit counters are kept in Redis at ${this.address}`);
    this.redisDown = false;
  }
}
