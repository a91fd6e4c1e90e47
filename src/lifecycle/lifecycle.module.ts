import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CaptureModule } from '../capture/capture.module';
import { ShutdownHealthIndicator } from './shutdown.health';
import { ShutdownService } from './shutdown.service';

/**
 * The service's own lifecycle: graceful shutdown (it closes the capture
 * module's Admission) and the readiness check it drives. Imported by the
 * root module; the health module finds the check by its @ReadinessCheck().
 */
@Module({
  imports: [TerminusModule, CaptureModule],
  providers: [ShutdownService, ShutdownHealthIndicator],
})
export class LifecycleModule {}
