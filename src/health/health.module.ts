import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/**
 * The probes. The checks come from the modules that own the state (see
 * readiness.ts): this module imports none of them.
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), DiscoveryModule],
  controllers: [HealthController],
})
export class HealthModule {}
