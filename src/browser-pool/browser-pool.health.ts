import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, ReadinessIndicator } from '../health/readiness';
import { BrowserPoolService } from './browser-pool.service';

/** Terminus indicator: up while the pool has a connected browser and is not shutting down. */
@Injectable()
@ReadinessCheck()
export class BrowserPoolHealthIndicator implements ReadinessIndicator {
  constructor(
    private readonly pool: BrowserPoolService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'browser_pool') {
    const session = this.health.check(key);
    const stats = this.pool.stats();
    return this.pool.isReady() ? session.up(stats) : session.down(stats);
  }
}
