import { Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from '../redis/redis.connection';

/** What ThrottlerStorage.increment resolves to (the type is not exported from the package's entry point). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Where the rate-limit counters live; the provider below chooses the kind.
 * Also the token to inject (the throttler's storage token points here).
 */
export abstract class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  /** Where counting happens right now: 'redis', or 'memory' (no REDIS_URL, or Redis unreachable). */
  abstract readonly mode: 'redis' | 'memory';
  protected readonly memory = new ThrottlerStorageService();

  abstract increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord>;

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown(); // its expiry timers would hold the process open
  }
}

/** Counters in this process: no REDIS_URL (or rate limiting off). */
export class MemoryRateLimitStorage extends RateLimitStorage {
  readonly mode = 'memory';

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }
}

/**
 * Counters in Redis (one limit shared by every replica). While Redis is
 * unreachable it fails open to in-memory counters, so each replica still
 * enforces the limit on its own and no request waits for Redis or fails
 * because of it. RedisConnection logs when Redis goes and comes back.
 */
export class SharedRateLimitStorage extends RateLimitStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly shared: ThrottlerStorageRedisService;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.shared = new ThrottlerStorageRedisService(redis.client!);
  }

  get mode(): 'redis' | 'memory' {
    return this.redis.available ? 'redis' : 'memory';
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    if (this.mode === 'redis') {
      try {
        return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      } catch (err) {
        this.logger.debug(`counting in memory: ${(err as Error).message}`);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }
}

export const rateLimitStorageProvider: Provider = {
  provide: RateLimitStorage,
  inject: [AppConfig, RedisConnection],
  useFactory: (config: AppConfig, redis: RedisConnection): RateLimitStorage =>
    config.RATE_LIMIT_ENABLED && redis.client
      ? new SharedRateLimitStorage(redis)
      : new MemoryRateLimitStorage(),
};
