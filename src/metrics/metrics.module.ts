import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { CaptureMetricsMiddleware } from './capture-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics: one registry (MetricsService), fed by every module's
 * @ContributesMetrics() provider (see metrics-contributor.ts). Global so
 * the capture middleware can be mounted by createApp; METRICS_ENABLED=false
 * only removes the /metrics route.
 */
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      global: true,
      module: MetricsModule,
      imports: [DiscoveryModule],
      controllers: config.METRICS_ENABLED ? [MetricsController] : [],
      providers: [MetricsService, CaptureMetricsMiddleware],
      exports: [MetricsService, CaptureMetricsMiddleware],
    };
  }
}
