import { Module } from '@nestjs/common';
import { CaptureCacheService } from './capture-cache.service';

/** The response cache of /capture: in memory, or in Redis when REDIS_URL is set. */
@Module({
  providers: [CaptureCacheService],
  exports: [CaptureCacheService],
})
export class CacheModule {}
