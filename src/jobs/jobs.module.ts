import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import Redis from 'ioredis';
import { CaptureModule } from '../capture/capture.module';
import { AppConfig } from '../config/app-config';
import { CaptureJobsService } from './capture-jobs.service';
import { CaptureWorker } from './capture.worker';
import { JobStore } from './job-store';
import { JobsController } from './jobs.controller';
import { JobsHealthIndicator } from './jobs.health';
import { JobsMetrics } from './jobs.metrics';
import { JobsRedis } from './jobs.redis';
import { JOBS_STORE_CLIENT, RESULT_STORE } from './jobs.tokens';
import { RedisResultStore, S3ResultStore } from './result-store';
import { WebhookService } from './webhook.service';

/**
 * Asynchronous captures (API.md part 2): the /captures routes, the BullMQ
 * queue every replica takes capture jobs from, the job records and results
 * (Redis, or S3 when STORAGE_S3_BUCKET is set), webhooks. Needs REDIS_URL;
 * without it the routes answer 503 and nothing connects.
 */
@Module({
  imports: [CaptureModule, TerminusModule],
  controllers: [JobsController],
  providers: [
    { provide: JobsRedis, inject: [AppConfig], useFactory: (config: AppConfig) => new JobsRedis(config) },
    {
      provide: JOBS_STORE_CLIENT,
      inject: [AppConfig, JobsRedis],
      useFactory: (config: AppConfig, redis: JobsRedis) => (config.asyncEnabled ? redis.storeClient() : null),
    },
    {
      provide: JobStore,
      inject: [AppConfig, JOBS_STORE_CLIENT],
      useFactory: (config: AppConfig, client: Redis | null) =>
        client ? new JobStore(client, config.JOB_RESULT_TTL) : null,
    },
    {
      provide: RESULT_STORE,
      inject: [AppConfig, JOBS_STORE_CLIENT],
      useFactory: (config: AppConfig, client: Redis | null) => {
        if (!client) return null;
        return config.STORAGE_S3_BUCKET
          ? new S3ResultStore(config)
          : new RedisResultStore(client, config.JOB_RESULT_TTL);
      },
    },
    JobsMetrics,
    WebhookService,
    CaptureJobsService,
    CaptureWorker,
    JobsHealthIndicator,
  ],
  exports: [JobsHealthIndicator],
})
export class JobsModule implements OnApplicationShutdown {
  constructor(
    @Inject(JOBS_STORE_CLIENT) private readonly client: Redis | null,
    @Inject(RESULT_STORE) private readonly results: { close?: () => void } | null,
  ) {}

  /** Last: the queue and the workers have stopped using the store by now. */
  async onApplicationShutdown(): Promise<void> {
    this.results?.close?.();
    if (this.client?.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client?.disconnect();
  }
}
