import * as crypto from 'node:crypto';

// Counted, not replaced: the real comparison still runs.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
import { fingerprint, safeEqual } from './secrets';
import { TokenMatcher } from './token-matcher';

describe('TokenMatcher', () => {
  const tokens = ['alpha-token-0001', 'beta-token-0002', 'gamma'];
  const matcher = new TokenMatcher(tokens);

  it('matches each configured token to its own id', () => {
    const ids = tokens.map((t) => matcher.match(t));
    expect(ids).toEqual(tokens.map(fingerprint));
    expect(new Set(ids).size).toBe(3);
  });

  it.each(['', 'alpha-token-000', 'alpha-token-00011', 'ALPHA-TOKEN-0001', ' gamma', 'gamma\n'])(
    'refuses the near miss %j',
    (presented) => {
      expect(matcher.match(presented)).toBeUndefined();
    },
  );

  it('compares against every token, also after a match (no early exit)', () => {
    const compare = crypto.timingSafeEqual as jest.Mock;
    compare.mockClear();
    expect(matcher.match('alpha-token-0001')).toBeDefined(); // the first one
    expect(compare).toHaveBeenCalledTimes(tokens.length);
    compare.mockClear();
    expect(matcher.match('x')).toBeUndefined(); // none
    expect(compare).toHaveBeenCalledTimes(tokens.length);
  });

  it('knows whether any token is configured', () => {
    expect(matcher.configured).toBe(true);
    expect(new TokenMatcher([]).configured).toBe(false);
    expect(new TokenMatcher([]).match('')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('fingerprints are 12 hex characters that do not contain the secret', () => {
    const id = fingerprint('abcdef012345abcdef');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect('abcdef012345abcdef').not.toContain(id);
    expect(fingerprint('abcdef012345abcdef')).toBe(id);
    expect(fingerprint('abcdef012345abcdeg')).not.toBe(id);
  });

  it('safeEqual compares values of any length', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('x'.repeat(1000), 'x'.repeat(1000))).toBe(true);
  });
});
