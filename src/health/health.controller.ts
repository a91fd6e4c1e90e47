import { Controller, Get, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { ReadinessCheck, ReadinessIndicator } from './readiness';

/** Probes for Kubernetes: live = the process answers, ready = every readiness check is up. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController implements OnApplicationBootstrap {
  private readinessChecks: HealthIndicatorFunction[] = [];

  constructor(
    private readonly health: HealthCheckService,
    private readonly discovery: DiscoveryService,
  ) {}

  onApplicationBootstrap(): void {
    this.readinessChecks = this.discovery
      .getProviders({ metadataKey: ReadinessCheck.KEY })
      .map((wrapper) => wrapper.instance as ReadinessIndicator)
      .filter((indicator) => indicator)
      .map((indicator) => () => indicator.check());
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness together' })
  check() {
    return this.health.check([() => ({ process: { status: 'up' } }), ...this.readinessChecks]);
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
    summary: 'Readiness: the browser pool has a connected browser and the service is not shutting down',
    description:
      'With REDIS_URL set, `redis.available` reports the connection; a Redis outage does not make the service unready (the cache is bypassed and rate limits are counted per replica meanwhile).',
  })
  ready() {
    return this.health.check(this.readinessChecks);
  }
}
