import { Module } from '@nestjs/common';
import { CacheMetrics } from './cache.metrics';
import { cacheStoreProvider } from './cache-store.provider';
import { CaptureCacheService } from './capture-cache.service';

/** The response cache of /capture: in memory, or in Redis (RedisModule's connection) when REDIS_URL is set. */
@Module({
  providers: [cacheStoreProvider, CaptureCacheService, CacheMetrics],
  exports: [CaptureCacheService],
})
export class CacheModule {}
