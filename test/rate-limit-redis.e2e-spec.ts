import { ChildProcess } from 'node:child_process';
import { RateLimitStorage } from '../src/rate-limit/rate-limit.storage';
import { startApp, TestApp, waitFor } from './helpers/app';
import { freePort } from './helpers/ports';
import { startRedis, stopRedis } from './helpers/redis';

const TOKEN = 'redis-shared-token-0123456789abcdef';
const INVALID = { window_width: 0 }; // fails validation after auth and rate limiting: no page is loaded
const LIMITED_ENV = {
  AUTH_TOKEN: TOKEN,
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_CAPTURE: '3 per minute',
  BROWSER_POOL_MIN: '0',
  // Rate limits only: with asynchronous captures on, readiness needs Redis (docs/async.md).
  ASYNC_ENABLED: 'false',
};

const remainingOf = (res: { headers: Record<string, string> }) => res.headers['x-ratelimit-remaining'];
/** Requests must never wait on Redis: a generous bound turns a hang into a clear failure. */
const NO_HANG = { response: 10_000 };

describe('rate limits shared through Redis', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let a: TestApp;
  let b: TestApp;
  const post = (svc: TestApp) =>
    svc.capture(INVALID).set('Authorization', `Bearer ${TOKEN}`).timeout(NO_HANG);
  const storageMode = (svc: TestApp) => svc.app.get(RateLimitStorage).mode;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    const env = { ...LIMITED_ENV, REDIS_URL: `redis://127.0.0.1:${port}` };
    a = await startApp(env);
    b = await startApp(env);
    expect(await waitFor(() => storageMode(a) === 'redis' && storageMode(b) === 'redis')).toBe(true);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stopRedis(redis);
  });

  it('two instances enforce one limit: 2 requests on A and 1 on B use it up, the 4th is 429 on both', async () => {
    expect(remainingOf(await post(a))).toBe('2');
    expect(remainingOf(await post(a))).toBe('1');
    const third = await post(b);
    expect(third.status).toBe(400);
    expect(remainingOf(third)).toBe('0');
    const fourth = await post(b);
    expect(fourth.status).toBe(429);
    expect(fourth.body).toMatchObject({ error_type: 'RateLimitError' });
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post(a)).status).toBe(429);
  });

  it('reports the one Redis connection in readiness', async () => {
    const ready = await a.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toEqual({ status: 'up', available: true });
  });

  it('when Redis goes away, requests are still answered at once, limited per instance in memory', async () => {
    await stopRedis(redis);
    expect(await waitFor(() => storageMode(a) === 'memory' && storageMode(b) === 'memory')).toBe(true);
    // the in-memory counters start from zero
    const first = await post(a);
    expect(first.status).toBe(400);
    expect(remainingOf(first)).toBe('2');
    await post(a);
    await post(a);
    expect((await post(a)).status).toBe(429);
    expect((await post(b)).status).toBe(400); // B counts on its own while Redis is away
    // Readiness says so, and stays up: the replica still serves everything without Redis.
    const ready = await a.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toEqual({ status: 'up', available: false });
  });

  it('when Redis is back, the instances share the limit again', async () => {
    redis = await startRedis(port);
    expect(await waitFor(() => storageMode(a) === 'redis' && storageMode(b) === 'redis')).toBe(true);
    // the fresh Redis has no counters: A and B count together from zero
    expect(remainingOf(await post(a))).toBe('2');
    expect(remainingOf(await post(b))).toBe('1');
  });
});

describe('rate limits when Redis is unreachable from the start', () => {
  let svc: TestApp;

  beforeAll(async () => {
    svc = await startApp({
      ...LIMITED_ENV,
      BROWSER_POOL_MIN: '1',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
  });

  afterAll(async () => {
    await svc?.close();
  });

  it('captures still succeed (no hang, no 500) and the limit still holds in memory', async () => {
    const capture = () =>
      svc
        .capture({ html_content: '<p>ok</p>', window_width: 40, window_height: 30, wait_for_network: 'none' })
        .set('Authorization', `Bearer ${TOKEN}`)
        .timeout(NO_HANG);
    const ok = await capture();
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/png');
    expect(remainingOf(ok)).toBe('2');
    expect((await capture()).status).toBe(200);
    expect((await capture()).status).toBe(200);
    expect((await capture()).status).toBe(429);
  });
});
