import { Module } from '@nestjs/common';
import { BrowserPoolModule } from '../browser-pool/browser-pool.module';
import { CacheModule } from '../cache/cache.module';
import { admissionProvider } from './admission';
import { CaptureController } from './capture.controller';
import { CaptureMetrics } from './capture.metrics';
import { CaptureService } from './capture.service';

/**
 * POST/GET /capture and the pipeline behind them. Exports the Admission gate
 * (shutdown closes it; its queue is a metric) and the service.
 */
@Module({
  imports: [BrowserPoolModule, CacheModule],
  controllers: [CaptureController],
  providers: [admissionProvider, CaptureService, CaptureMetrics],
  exports: [admissionProvider, CaptureService],
})
export class CaptureModule {}
