import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, ReadinessIndicator } from '../health/readiness';
import { RedisConnection } from './redis.connection';

/**
 * Redis in the readiness report, when REDIS_URL is set. It reports, it does
 * not fail readiness: everything that uses Redis carries on without it
 * (cache bypassed, rate limits per replica), and a Redis outage taking
 * every replica out of the load balancer at once would turn a degraded
 * service into none.
 */
@Injectable()
@ReadinessCheck()
export class RedisHealthIndicator implements ReadinessIndicator {
  constructor(
    private readonly redis: RedisConnection,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'redis') {
    return this.health.check(key).up({ available: this.redis.available }); // no address on a public route
  }
}
