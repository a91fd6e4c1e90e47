import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AuthGuard } from './auth.guard';

/**
 * Installs the two global guards. Their order matters and Nest runs global
 * guards in the order they are registered: first decide who is asking
 * (AuthGuard), then count it against that principal (RateLimitGuard), so an
 * unauthenticated request never uses up a token's allowance.
 */
@Module({
  imports: [RateLimitModule],
  providers: [
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
  ],
})
export class AuthModule {}
