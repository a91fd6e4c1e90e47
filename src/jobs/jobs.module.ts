import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import Redis from 'ioredis';
import { CaptureModule } from '../capture/capture.module';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from '../redis/redis.connection';
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
    {
      provide: JobsRedis,
      inject: [RedisConnection],
      useFactory: (connection: RedisConnection) => new JobsRedis(connection),
    },
    {
      provide: JOBS_STORE_CLIENT,
      inject: [AppConfig, JobsRedis],
      useFactory: (config: AppConfig, redis: JobsRedis) =>
        config.asyncEnabled ? (redis.storeClient ?? null) : null,
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
})
export class JobsModule implements OnApplicationShutdown {
  constructor(
    @Inject(RESULT_STORE) private readonly results: { close?: () => void } | null,
    private readonly redis: JobsRedis,
  ) {}

  /** Queues and workers stopped in beforeApplicationShutdown; their connections go now. */
  async onApplicationShutdown(): Promise<void> {
    this.results?.close?.();
    await this.redis.close();
  }
}
