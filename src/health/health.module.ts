import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BrowserPoolModule } from '../browser-pool/browser-pool.module';
import { JobsModule } from '../jobs/jobs.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { HealthController } from './health.controller';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
    BrowserPoolModule,
    LifecycleModule,
    JobsModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
