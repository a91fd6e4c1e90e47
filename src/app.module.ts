import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { BrowserPoolModule } from './browser-pool/browser-pool.module';
import { CaptureModule } from './capture/capture.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { JsonBodyInterceptor } from './common/json-body.interceptor';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { EgressModule } from './egress/egress.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        MetricsModule.forRoot(config),
        RedisModule.forRoot(config),
        EgressModule.forApp(),
        AuthModule,
        BrowserPoolModule,
        CaptureModule,
        JobsModule,
        LifecycleModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // after the guards: no body is read for a request they refuse
        { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
      ],
    };
  }
}
