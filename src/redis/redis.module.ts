import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from './redis.connection';
import { RedisHealthIndicator } from './redis.health';

/**
 * The one Redis connection (REDIS_URL), global: the cache and the rate
 * limiter inject RedisConnection. Its state shows in readiness when Redis
 * is configured.
 */
@Module({})
export class RedisModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      global: true,
      module: RedisModule,
      imports: [TerminusModule],
      providers: [RedisConnection, ...(config.REDIS_URL ? [RedisHealthIndicator] : [])],
      exports: [RedisConnection],
    };
  }
}
