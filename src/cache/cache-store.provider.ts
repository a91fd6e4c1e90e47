import { Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from '../redis/redis.connection';
import type { CacheStore } from './cache-store';
import { MemoryCacheStore } from './memory-cache.store';
import { RedisCacheStore } from './redis-cache.store';

/** The response cache's store: a CacheStore, or null when the cache is off. */
export const CACHE_STORE = Symbol('CACHE_STORE');

/** Off when CACHE_MAX_SIZE or CACHE_MAX_BYTES is 0; in Redis when REDIS_URL is set; otherwise in memory. */
export function cacheStoreFor(config: AppConfig, redis?: RedisConnection): CacheStore | null {
  if (config.CACHE_MAX_SIZE === 0 || config.CACHE_MAX_BYTES === 0) return null;
  if (redis?.client) return new RedisCacheStore(redis.client);
  return new MemoryCacheStore(config.CACHE_MAX_SIZE, config.CACHE_MAX_BYTES);
}

export const cacheStoreProvider: Provider = {
  provide: CACHE_STORE,
  inject: [AppConfig, RedisConnection],
  useFactory: cacheStoreFor,
};
