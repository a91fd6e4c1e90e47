import { fingerprint } from '../auth/secrets';
import { rateLimitHeaders, rateLimitState } from './rate-limit.headers';
import { trackerOf } from './rate-limit.tracker';

describe('rate-limit tracker', () => {
  it('counts a token by its fingerprint, never the token itself', () => {
    const token = 'super-secret-token-value';
    const tracker = trackerOf({ kind: 'token', tokenId: fingerprint(token) });
    expect(tracker).toBe(`token:${fingerprint(token)}`);
    expect(tracker).not.toContain(token);
  });

  it('counts signed URLs by their signing key', () => {
    expect(trackerOf({ kind: 'signed', keyId: 'abc123abc123' })).toBe('signed:abc123abc123');
  });

  it('counts clients by address, IPv4-mapped IPv6 as IPv4 and IPv6 by /64', () => {
    expect(trackerOf({ kind: 'client', ip: '203.0.113.7' })).toBe('ip:203.0.113.7');
    expect(trackerOf({ kind: 'client', ip: '::ffff:203.0.113.7' })).toBe('ip:203.0.113.7');
    const a = trackerOf({ kind: 'client', ip: '2001:db8:1:2::1' });
    const b = trackerOf({ kind: 'client', ip: '2001:db8:1:2:ffff::9' });
    const other = trackerOf({ kind: 'client', ip: '2001:db8:1:3::1' });
    expect(a).toBe(b);
    expect(a).not.toBe(other);
    expect(trackerOf({ kind: 'client', ip: '' })).toBe('ip:unknown');
  });

  it('keeps tokens, signing keys and addresses apart even when the ids look alike', () => {
    const trackers = new Set([
      trackerOf({ kind: 'token', tokenId: 'aaaaaaaaaaaa' }),
      trackerOf({ kind: 'signed', keyId: 'aaaaaaaaaaaa' }),
      trackerOf({ kind: 'client', ip: 'aaaaaaaaaaaa' }),
    ]);
    expect(trackers.size).toBe(3);
  });
});

describe('rate-limit headers', () => {
  const now = 1_700_000_000_400; // ms, mid-second

  it('reports the limit, what is left and the reset as a Unix time in seconds (rounded up)', () => {
    const state = rateLimitState(
      5,
      { totalHits: 2, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 },
      now,
    );
    expect(state).toEqual({ limit: 5, remaining: 3, resetAt: 1_700_000_002 });
    expect(rateLimitHeaders(state)).toEqual({
      'X-RateLimit-Limit': '5',
      'X-RateLimit-Remaining': '3',
      'X-RateLimit-Reset': '1700000002',
    });
  });

  it('over the limit: nothing left, reset and Retry-After at the end of the block', () => {
    const state = rateLimitState(
      5,
      { totalHits: 7, timeToExpire: 3, isBlocked: true, timeToBlockExpire: 42 },
      now,
    );
    expect(state).toEqual({ limit: 5, remaining: 0, resetAt: 1_700_000_001 + 42, retryAfter: 42 });
  });

  it('never tells a blocked client to retry after 0 seconds', () => {
    const state = rateLimitState(
      1,
      { totalHits: 2, timeToExpire: 0, isBlocked: true, timeToBlockExpire: 0 },
      now,
    );
    expect(state.retryAfter).toBe(1);
  });
});
