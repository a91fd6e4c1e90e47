import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrowserPoolHealthIndicator } from './browser-pool.health';
import { BrowserPoolService } from './browser-pool.service';

@Module({
  imports: [TerminusModule],
  providers: [BrowserPoolService, BrowserPoolHealthIndicator],
  exports: [BrowserPoolService, BrowserPoolHealthIndicator],
})
export class BrowserPoolModule {}
