import {
  canonicalQuery,
  signCaptureUrl,
  signatureOf,
  verifySignedQuery,
  withoutSignatureParams,
} from './url-signing';

const SECRET = 'S3cret!';
const NOW_MS = 1_700_000_000_000 - 600_000; // ten minutes before the vector's expiry
const MAX_TTL = 86400;

/** The query the service sees for a URL: Express's simple parser (node querystring). */
const queryOf = (url: string): Record<string, unknown> => {
  const parsed: Record<string, string | string[]> = {};
  for (const [name, value] of new URL(url).searchParams) {
    const seen = parsed[name];
    parsed[name] = seen === undefined ? value : ([] as string[]).concat(seen, value);
  }
  return parsed;
};
const verify = (query: Record<string, unknown>, nowMs = NOW_MS) =>
  verifySignedQuery(query, SECRET, { maxTtlSeconds: MAX_TTL, nowMs });

describe('url signing', () => {
  it('matches an HMAC computed independently with openssl', () => {
    // printf '%s' "$canonical" | openssl dgst -sha256 -hmac 'S3cret!' -binary | base64url without padding
    const canonical = 'expires=1700000000&format=png&url=https%3A%2F%2Fexample.com%2F%3Fa%3D1%26b%3D2';
    expect(
      canonicalQuery({ url: 'https://example.com/?a=1&b=2', format: 'png', expires: '1700000000' }),
    ).toBe(canonical);
    expect(signatureOf(canonical, SECRET)).toBe('aInFof8V1jU_ACZDV4Zme7Giy7ZcD-g_FGEjcBxOqng');
  });

  it('builds the canonical form sorted by name, encoded with encodeURIComponent, without the signature', () => {
    expect(canonicalQuery({ b: 'x y', a: 'é/?', 'c d': '', signature: 'zzz' })).toBe(
      'a=%C3%A9%2F%3F&b=x%20y&c%20d=',
    );
  });

  it('makes a URL on /capture whose query is the canonical form plus the signature', () => {
    const url = signCaptureUrl(
      'http://localhost:8080',
      { url: 'https://example.com/?a=1&b=2', format: 'png' },
      SECRET,
      { expires: 1_700_000_000 },
    );
    expect(url).toBe(
      'http://localhost:8080/capture?expires=1700000000&format=png&url=https%3A%2F%2Fexample.com%2F%3Fa%3D1%26b%3D2&signature=aInFof8V1jU_ACZDV4Zme7Giy7ZcD-g_FGEjcBxOqng',
    );
  });

  it('keeps a path prefix and an explicit /capture in the base URL', () => {
    const opts = { expires: 1_700_000_000 };
    expect(signCaptureUrl('https://h.example/pixashot/', { url: 'https://a.b' }, SECRET, opts)).toMatch(
      /^https:\/\/h\.example\/pixashot\/capture\?/,
    );
    expect(signCaptureUrl('http://h:1/capture', { url: 'https://a.b' }, SECRET, opts)).toMatch(
      /^http:\/\/h:1\/capture\?expires=/,
    );
  });

  it('computes expires from expiresIn and turns lists and objects into JSON', () => {
    const url = signCaptureUrl(
      'http://h',
      {
        url: 'https://a.b',
        full_page: true,
        window_width: 800,
        hide_selectors: ['.a', '.b'],
        skip: undefined,
      },
      SECRET,
      { expiresIn: 60 },
      NOW_MS,
    );
    const query = queryOf(url);
    expect(query).toMatchObject({
      expires: String(NOW_MS / 1000 + 60),
      full_page: 'true',
      window_width: '800',
      hide_selectors: '[".a",".b"]',
    });
    expect(query).not.toHaveProperty('skip');
    expect(verify(query)).toEqual({ valid: true, expires: NOW_MS / 1000 + 60 });
  });

  it('refuses expires or signature among the parameters, and an empty secret', () => {
    expect(() => signCaptureUrl('http://h', { expires: '1' }, SECRET, { expiresIn: 1 })).toThrow(/expires/);
    expect(() => signCaptureUrl('http://h', { signature: 'x' }, SECRET, { expiresIn: 1 })).toThrow(
      /signature/,
    );
    expect(() => signCaptureUrl('http://h', { url: 'x' }, '', { expiresIn: 1 })).toThrow(/secret/);
  });

  describe('verification', () => {
    const good = () =>
      queryOf(
        signCaptureUrl(
          'http://h',
          { url: 'https://example.com/', window_width: 320, window_height: 200 },
          SECRET,
          { expiresIn: 600 },
          NOW_MS,
        ),
      );

    it('accepts the genuine query in any parameter order', () => {
      const query = good();
      const reversed = Object.fromEntries(Object.entries(query).reverse());
      expect(verify(query).valid).toBe(true);
      expect(verify(reversed).valid).toBe(true);
    });

    it.each<[string, (q: Record<string, unknown>) => void]>([
      ['a changed value', (q) => (q.url = 'https://evil.example/')],
      ['an added parameter', (q) => (q.full_page = 'true')],
      ['a removed parameter', (q) => delete q.window_height],
      ['a repeated parameter', (q) => (q.window_width = ['320', '320'])],
      ['a value moved between parameters', (q) => ([q.window_width, q.window_height] = ['200', '320'])],
      ['a pushed-back expires', (q) => (q.expires = String(Number(q.expires) + 60))],
      ['a changed signature', (q) => (q.signature = `${String(q.signature).slice(0, -1)}A`)],
      ['a truncated signature', (q) => (q.signature = String(q.signature).slice(0, 20))],
      ['a padded signature', (q) => (q.signature = `${String(q.signature)}=`)],
      ['a missing signature', (q) => delete q.signature],
      ['a missing expires', (q) => delete q.expires],
    ])('refuses %s', (_what, tamper) => {
      const query = good();
      tamper(query);
      expect(verify(query).valid).toBe(false);
    });

    it('refuses a signature made with another secret', () => {
      const query = queryOf(
        signCaptureUrl('http://h', { url: 'https://a.b' }, 'other', { expiresIn: 60 }, NOW_MS),
      );
      expect(verify(query)).toEqual({ valid: false, reason: 'signature does not match' });
    });

    it('refuses an expired URL and one that expires further ahead than the maximum', () => {
      const sign = (expires: number) =>
        queryOf(signCaptureUrl('http://h', { url: 'https://a.b' }, SECRET, { expires }, NOW_MS));
      const now = NOW_MS / 1000;
      expect(verify(sign(now - 1))).toEqual({ valid: false, reason: 'the URL has expired' });
      expect(verify(sign(now))).toEqual({ valid: false, reason: 'the URL has expired' });
      expect(verify(sign(now + MAX_TTL)).valid).toBe(true);
      expect(verify(sign(now + MAX_TTL + 1))).toEqual({
        valid: false,
        reason: 'expires is further ahead than SIGNED_URL_MAX_TTL',
      });
    });

    it('refuses an expires that is not whole seconds, even when signed', () => {
      const params = { url: 'https://a.b', expires: '1700000000.5' };
      const query = { ...params, signature: signatureOf(canonicalQuery(params), SECRET) };
      expect(verify(query)).toEqual({ valid: false, reason: 'expires is not a Unix time in seconds' });
    });
  });

  it('strips expires and signature and keeps every other field', () => {
    expect(withoutSignatureParams({ url: 'u', expires: '1', signature: 's', format: 'png' })).toEqual({
      url: 'u',
      format: 'png',
    });
  });
});
