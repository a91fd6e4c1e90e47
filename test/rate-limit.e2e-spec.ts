import { signCaptureUrl } from '../src/auth/url-signing';
import { startApp, TestApp } from './helpers/app';

const TOKENS = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'].map(
  (t) => `${t}-rate-limit-token-0123456789abcdef`,
);
const SECRET = 'rate-limit-signing-secret-0123456789';
const bearer = (i: number) => `Bearer ${TOKENS[i]}`;

/** Cheap requests: a body that fails validation still passes auth and the rate limiter first. */
const INVALID = { window_width: 0 };
const CHEAP_CAPTURE = {
  html_content: '<body>ok</body>',
  window_width: 40,
  window_height: 30,
  wait_for_network: 'none',
};

const limitHeaders = (res: { headers: Record<string, string> }) => ({
  limit: res.headers['x-ratelimit-limit'],
  remaining: res.headers['x-ratelimit-remaining'],
});
const unixNow = () => Date.now() / 1000;

const expect429 = (res: { status: number; body: any; headers: Record<string, string> }) => {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({
    status: 'error',
    error_type: 'RateLimitError',
    message: 'Rate limit exceeded',
  });
  expect(res.body.retry_after).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBe(res.body.retry_after);
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
};

describe('rate limits with bearer tokens and signed URLs', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp({
      AUTH_TOKENS: TOKENS.join(','),
      URL_SIGNING_SECRET: SECRET,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_CAPTURE: '3 per minute',
      RATE_LIMIT_SIGNED: '2 per minute',
    });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('every response of /capture carries the limit, what is left and the reset time, errors included', async () => {
    const before = unixNow();
    const ok = await svc.capture(CHEAP_CAPTURE).set('Authorization', bearer(0));
    const after = unixNow();
    expect(ok.status).toBe(200);
    expect(limitHeaders(ok)).toEqual({ limit: '3', remaining: '2' });
    // a Unix time in seconds, one window (a minute) ahead
    const reset = Number(ok.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(Math.floor(before) + 59);
    expect(reset).toBeLessThanOrEqual(Math.ceil(after) + 61);

    const invalid = await svc.capture(INVALID).set('Authorization', bearer(0));
    expect(invalid.status).toBe(400);
    expect(limitHeaders(invalid)).toEqual({ limit: '3', remaining: '1' });
    expect(Number(invalid.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(before) + 59);
  });

  it('answers 429 with Retry-After and retry_after once a token is over its limit; other tokens are not affected', async () => {
    for (let i = 0; i < 3; i++)
      expect((await svc.capture(INVALID).set('Authorization', bearer(1))).status).toBe(400);
    const over = await svc.capture(INVALID).set('Authorization', bearer(1));
    expect429(over);
    expect(Number(over.headers['x-ratelimit-reset'])).toBeGreaterThan(unixNow());
    expect429(await svc.capture(CHEAP_CAPTURE).set('Authorization', bearer(1)));

    const other = await svc.capture(INVALID).set('Authorization', bearer(2));
    expect(other.status).toBe(400);
    expect(limitHeaders(other)).toEqual({ limit: '3', remaining: '2' });
  });

  it('POST and GET /capture share one allowance per token', async () => {
    const post = () => svc.capture(INVALID).set('Authorization', bearer(3));
    const get = () => svc.http().get('/capture?window_width=0').set('Authorization', bearer(3));
    expect(limitHeaders(await post())).toMatchObject({ remaining: '2' });
    expect(limitHeaders(await get())).toMatchObject({ remaining: '1' });
    expect(limitHeaders(await post())).toMatchObject({ remaining: '0' });
    expect429(await get());
  });

  it('counts failed credentials against the client address, never against a token', async () => {
    const wrong = () => svc.capture(INVALID).set('Authorization', 'Bearer wrong');
    const first = await wrong();
    expect(first.status).toBe(403);
    expect(limitHeaders(first)).toEqual({ limit: '3', remaining: '2' });
    expect((await svc.capture(INVALID)).status).toBe(401);
    expect((await wrong()).status).toBe(403);
    expect429(await wrong()); // guessing tokens is limited too
    expect429(await svc.capture(INVALID));

    // the same client with a real token has its whole allowance
    const real = await svc.capture(INVALID).set('Authorization', bearer(4));
    expect(real.status).toBe(400);
    expect(limitHeaders(real)).toEqual({ limit: '3', remaining: '2' });
  });

  it('signed URLs count per signing key with RATE_LIMIT_SIGNED, apart from the tokens', async () => {
    const signedGet = (width: number) => {
      const url = new URL(
        signCaptureUrl('http://h', { url: 'https://example.com', window_width: width }, SECRET, {
          expiresIn: 600,
        }),
      );
      return svc.http().get(`${url.pathname}${url.search}`);
    };
    // two different URLs, one key: window_width 0 and 20000 are invalid, so no page is loaded
    const first = await signedGet(0);
    expect(first.status).toBe(400);
    expect(limitHeaders(first)).toEqual({ limit: '2', remaining: '1' });
    expect(limitHeaders(await signedGet(20000))).toEqual({ limit: '2', remaining: '0' });
    expect429(await signedGet(0));

    const token = await svc.capture(INVALID).set('Authorization', bearer(5));
    expect(limitHeaders(token)).toEqual({ limit: '3', remaining: '2' });
  });

  it('health and docs are not limited and carry no rate-limit headers', async () => {
    for (const path of ['/health/live', '/health/ready', '/health', '/docs-json']) {
      for (let i = 0; i < 5; i++) {
        const res = await svc.http().get(path);
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });
});

describe('rate limits of an open service: per client address', () => {
  const openApp = (env: Record<string, string> = {}) =>
    startApp({
      BROWSER_POOL_MIN: '0',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_CAPTURE: '3 per minute',
      ...env,
    });

  it('without TRUST_PROXY, X-Forwarded-For and friends cannot buy a fresh allowance', async () => {
    const svc = await openApp();
    try {
      const spoofed = (i: number) =>
        svc
          .capture(INVALID)
          .set('X-Forwarded-For', `203.0.113.${i}`)
          .set('X-Real-IP', `198.51.100.${i}`)
          .set('Forwarded', `for=192.0.2.${i}`);
      for (let i = 1; i <= 3; i++) expect((await spoofed(i)).status).toBe(400);
      expect429(await spoofed(4));
      expect429(await svc.capture(INVALID));
    } finally {
      await svc.close();
    }
  });

  it('TRUST_PROXY=loopback: the client address comes from X-Forwarded-For set by the trusted proxy', async () => {
    const svc = await openApp({ TRUST_PROXY: 'loopback' });
    try {
      const from = (ip: string) => svc.capture(INVALID).set('X-Forwarded-For', ip);
      for (let i = 0; i < 3; i++) expect((await from('203.0.113.10')).status).toBe(400);
      expect429(await from('203.0.113.10'));
      const other = await from('203.0.113.11');
      expect(other.status).toBe(400);
      expect(limitHeaders(other)).toEqual({ limit: '3', remaining: '2' });
    } finally {
      await svc.close();
    }
  });

  it('TRUST_PROXY=1: only the hop the trusted proxy appended counts, whatever the client wrote before it', async () => {
    const svc = await openApp({ TRUST_PROXY: '1' });
    try {
      const via = (xff: string) => svc.capture(INVALID).set('X-Forwarded-For', xff);
      expect((await via('1.1.1.1, 203.0.113.20')).status).toBe(400);
      expect((await via('2.2.2.2, 203.0.113.20')).status).toBe(400);
      expect((await via('203.0.113.20')).status).toBe(400);
      expect429(await via('3.3.3.3, 203.0.113.20'));
      expect(limitHeaders(await via('1.1.1.1, 203.0.113.21'))).toEqual({ limit: '3', remaining: '2' });
    } finally {
      await svc.close();
    }
  });

  it('RATE_LIMIT_ENABLED=false: no limit and no headers', async () => {
    const svc = await openApp({ RATE_LIMIT_ENABLED: 'false' });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await svc.capture(INVALID);
        expect(res.status).toBe(400);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await svc.close();
    }
  });
});
