import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Unix time in seconds when the window (or the block, once over the limit) ends. */
  resetAt: number;
  /** Seconds to wait, when over the limit. */
  retryAfter?: number;
}

/** Turns the storage's relative seconds into what the client is told. */
export function rateLimitState(limit: number, record: ThrottlerStorageRecord, nowMs: number): RateLimitState {
  // Rounded up, so a client that waits until resetAt is never early.
  const nowSeconds = Math.ceil(nowMs / 1000);
  if (record.isBlocked) {
    const retryAfter = Math.max(1, record.timeToBlockExpire);
    return { limit, remaining: 0, resetAt: nowSeconds + retryAfter, retryAfter };
  }
  return {
    limit,
    remaining: Math.max(0, limit - record.totalHits),
    resetAt: nowSeconds + Math.max(0, record.timeToExpire),
  };
}

/**
 * The headers of every limited response, errors included. Named by hand:
 * the throttler's own use seconds-until-reset and add a suffix per named
 * throttler, while the API (docs/security.md, Rate limits) asks for these exact names and a Unix time.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(state.limit),
    'X-RateLimit-Remaining': String(state.remaining),
    'X-RateLimit-Reset': String(state.resetAt),
  };
}
