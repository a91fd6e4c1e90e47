import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { isPublicRoute } from '../auth/auth.decorators';
import { principalOf } from '../auth/principal';
import { RateLimitError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { rateLimitHeaders, rateLimitState } from './rate-limit.headers';
import { trackerOf } from './rate-limit.tracker';

/**
 * @nestjs/throttler's guard, adapted to the API (docs/security.md, Rate limits): it counts by the principal
 * the auth guard chose (token id, signing key, or client IP), one counter
 * per principal for all limited routes, sets X-RateLimit-Limit/-Remaining/
 * -Reset (a Unix time) on every limited response, and answers 429 with the
 * RateLimitError envelope. Public routes (health, metrics) are not limited.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(!this.config.RATE_LIMIT_ENABLED || isPublicRoute(this.reflector, context));
  }

  /** The auth guard has set the principal by now; a request it never saw counts by its address. */
  protected override getTracker(req: Request): Promise<string> {
    return Promise.resolve(trackerOf(principalOf(req) ?? { kind: 'client', ip: req.ip ?? '' }));
  }

  /** One counter per principal and throttler, shared by POST and GET /capture (the default key is per handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `pixashot:rl:${throttlerName}:${tracker}`;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = request;
    const { req, res } = this.getRequestResponse(context);
    const name = throttler.name ?? 'default';
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, name);
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    const state = rateLimitState(limit, record, Date.now());
    for (const [header, value] of Object.entries(rateLimitHeaders(state))) {
      (res as Response).setHeader(header, value);
    }
    if (record.isBlocked)
      await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    return true;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new RateLimitError(Math.max(1, detail.timeToBlockExpire));
  }
}
