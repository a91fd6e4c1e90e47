import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessCheck, ReadinessIndicator } from '../health/readiness';
import { ShutdownService } from './shutdown.service';

/** Terminus indicator: down from the moment shutdown begins, so readiness drops before anything closes. */
@Injectable()
@ReadinessCheck()
export class ShutdownHealthIndicator implements ReadinessIndicator {
  constructor(
    private readonly shutdown: ShutdownService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'shutdown') {
    const session = this.health.check(key);
    return this.shutdown.isDraining ? session.down({ draining: true }) : session.up();
  }
}
