import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CaptureMetricsMiddleware } from './capture-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics. MetricsService is global so any module can count what
 * it sees (rate limits, blocked targets); METRICS_ENABLED=false only removes
 * the /metrics route.
 */
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      global: true,
      module: MetricsModule,
      controllers: config.METRICS_ENABLED ? [MetricsController] : [],
      providers: [MetricsService, CaptureMetricsMiddleware],
      exports: [MetricsService, CaptureMetricsMiddleware],
    };
  }
}
