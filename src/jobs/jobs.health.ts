import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ReadinessCheck, ReadinessIndicator } from '../health/readiness';
import { JOBS_STORE_CLIENT } from './jobs.tokens';

/**
 * Terminus indicator for readiness: with asynchronous captures on, a replica
 * is ready only while it reaches Redis (it could neither queue nor answer
 * jobs otherwise). Off, Redis does not matter here (the cache and the rate
 * limits carry on without it; see RedisHealthIndicator). Set ASYNC_ENABLED=false
 * on replicas that should stay ready through a Redis outage.
 */
@Injectable()
@ReadinessCheck()
export class JobsHealthIndicator implements ReadinessIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
    @Inject(JOBS_STORE_CLIENT) private readonly redis: Redis | null,
  ) {}

  check(key = 'jobs_redis') {
    const session = this.health.check(key);
    if (!this.config.asyncEnabled || !this.redis) return session.up({ async: false });
    const status = this.redis.status;
    return status === 'ready' ? session.up({ async: true }) : session.down({ async: true, redis: status });
  }
}
