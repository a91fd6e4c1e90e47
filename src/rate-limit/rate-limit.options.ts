import { ExecutionContext } from '@nestjs/common';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { principalOf } from '../auth/principal';
import { AppConfig, parseRateRule } from '../config/app-config';

const isSigned = (context: ExecutionContext) =>
  principalOf(context.switchToHttp().getRequest<object>())?.kind === 'signed';

/**
 * Two named throttlers, exactly one of which applies to a request:
 * RATE_LIMIT_SIGNED to signed URLs, RATE_LIMIT_CAPTURE to everything else
 * (bearer tokens, open service, failed credentials).
 */
export function throttlerOptionsOf(config: AppConfig): ThrottlerModuleOptions {
  const capture = parseRateRule(config.RATE_LIMIT_CAPTURE);
  const signed = parseRateRule(config.RATE_LIMIT_SIGNED);
  return {
    throttlers: [
      { name: 'capture', limit: capture.limit, ttl: capture.ttlMs, skipIf: (ctx) => isSigned(ctx) },
      { name: 'signed', limit: signed.limit, ttl: signed.ttlMs, skipIf: (ctx) => !isSigned(ctx) },
    ],
  };
}
