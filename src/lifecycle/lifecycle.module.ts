import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CaptureModule } from '../capture/capture.module';
import { ShutdownHealthIndicator } from './shutdown.health';
import { ShutdownService } from './shutdown.service';

/** The service's own lifecycle: graceful shutdown and the readiness signal it drives. */
@Module({
  imports: [TerminusModule, CaptureModule],
  providers: [ShutdownService, ShutdownHealthIndicator],
  exports: [ShutdownHealthIndicator],
})
export class LifecycleModule {}
