import { Module } from '@nestjs/common';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';
import { throttlerOptionsOf } from './rate-limit.options';
import { RateLimitStorage, rateLimitStorageProvider } from './rate-limit.storage';

/**
 * The throttler's options and storage, provided directly rather than through
 * ThrottlerModule so the storage is our Redis-or-memory one (RedisModule's connection). The guard is
 * exported; AuthModule installs it after the auth guard.
 */
@Module({
  providers: [
    { provide: getOptionsToken(), inject: [AppConfig], useFactory: throttlerOptionsOf },
    rateLimitStorageProvider,
    { provide: getStorageToken(), useExisting: RateLimitStorage },
    RateLimitGuard,
  ],
  exports: [RateLimitGuard, RateLimitStorage],
})
export class RateLimitModule {}
