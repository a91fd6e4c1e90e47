import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { BrowserPoolHealthIndicator } from '../browser-pool/browser-pool.health';
import { JobsHealthIndicator } from '../jobs/jobs.health';
import { ShutdownHealthIndicator } from '../lifecycle/shutdown.health';

/** Probes for Kubernetes: live = the process answers, ready = the pool can take work and shutdown has not begun. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly browserPool: BrowserPoolHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
    private readonly jobs: JobsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness together' })
  check() {
    return this.health.check([
      () => ({ process: { status: 'up' } }),
      () => this.browserPool.check(),
      () => this.shutdown.check(),
      () => this.jobs.check(),
    ]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  live() {
    return this.health.check([() => ({ process: { status: 'up' } })]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: the browser pool has a connected browser, the service is not shutting down, and (with asynchronous captures on) Redis answers',
  })
  ready() {
    return this.health.check([
      () => this.browserPool.check(),
      () => this.shutdown.check(),
      () => this.jobs.check(),
    ]);
  }
}
