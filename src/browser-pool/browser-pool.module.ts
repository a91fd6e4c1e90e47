import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrowserPoolHealthIndicator } from './browser-pool.health';
import { BrowserPoolMetrics } from './browser-pool.metrics';
import { BrowserPoolService } from './browser-pool.service';

@Module({
  imports: [TerminusModule],
  providers: [BrowserPoolService, BrowserPoolHealthIndicator, BrowserPoolMetrics],
  exports: [BrowserPoolService, BrowserPoolHealthIndicator],
})
export class BrowserPoolModule {}
