import 'reflect-metadata';
import { Registry } from 'prom-client';
import { ClientGoneError, Deadline } from '../common/deadline';
import { NavigationError } from '../common/errors';
import { AppConfig, loadConfig } from '../config/app-config';
import type { CaptureResult } from '../capture/capture.types';
import type { CaptureOptions } from '../capture/capture-options';
import { parseCaptureRequest } from '../capture/capture-request.parser';
import { registerCacheMetrics } from './cache.metrics';
import { cacheStoreFor } from './cache-store.provider';
import { CaptureCacheService } from './capture-cache.service';

/** The service with the store the app would choose for `config` (no REDIS_URL: memory, or off). */
const cacheOf = (config: AppConfig) => new CaptureCacheService(config, cacheStoreFor(config));

const captureOf = (text: string): CaptureResult => ({
  body: Buffer.from(text),
  contentType: 'image/png',
  metadata: {
    final_url: 'https://example.com/',
    status_code: 200,
    title: text.slice(0, 8),
    format: 'png',
    network_idle: true,
    truncated: false,
    duration_ms: 5,
  },
  timings: { queue: 0, navigate: 1, wait: 2, capture: 3 },
});

/** A render the test finishes by hand, counting how often it was started. */
function controlledRender() {
  let calls = 0;
  let finish!: (r: CaptureResult) => void;
  let fail!: (e: Error) => void;
  const render = () => {
    calls++;
    return new Promise<CaptureResult>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { render, calls: () => calls, finish: (r: CaptureResult) => finish(r), fail: (e: Error) => fail(e) };
}

/** A request as the pipe hands it on: validated and resolved. */
const REQ = parseCaptureRequest({ url: 'https://example.com/' }, loadConfig({}));
const tick = () => new Promise((r) => setImmediate(r));

describe('CaptureCacheService (memory store)', () => {
  let cache: CaptureCacheService;
  const deadline = () => new Deadline(10_000);

  beforeEach(() => {
    cache = cacheOf(loadConfig({ CACHE_MAX_ENTRY_BYTES: '100' }));
  });
  afterEach(() => cache.onModuleDestroy());

  it('renders on a miss, answers the same request from the cache after', async () => {
    const render = jest.fn(() => Promise.resolve(captureOf('one')));
    const first = await cache.serve(REQ, deadline(), render);
    const second = await cache.serve({ ...REQ, response_type: 'json' } as CaptureOptions, deadline(), render);
    expect(render).toHaveBeenCalledTimes(1);
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(second.result.body.toString()).toBe('one');
    expect(second.bodySha256).toBe(first.bodySha256);
    expect(second.maxAgeSeconds).toBeGreaterThan(3500);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, stored: 1, entries: 1 });
  });

  it('renders identical concurrent requests once and gives each the result', async () => {
    const r = controlledRender();
    const all = [1, 2, 3, 4, 5].map(() => cache.serve(REQ, deadline(), r.render));
    await tick();
    r.finish(captureOf('shared'));
    const served = await Promise.all(all);
    expect(r.calls()).toBe(1);
    expect(served.map((s) => s.result.body.toString())).toEqual(Array(5).fill('shared'));
    expect(cache.stats()).toMatchObject({ misses: 1, coalesced: 4, in_flight: 0 });
  });

  it('gives every waiter the error of a failed render and stores nothing', async () => {
    const r = controlledRender();
    const all = [1, 2, 3].map(() => cache.serve(REQ, deadline(), r.render).catch((e: Error) => e));
    await tick();
    r.fail(new NavigationError('refused'));
    const outcomes = await Promise.all(all);
    expect(outcomes.every((o) => o instanceof NavigationError)).toBe(true);
    expect(r.calls()).toBe(1);
    const again = await cache.serve(REQ, deadline(), () => Promise.resolve(captureOf('ok')));
    expect(again.cache).toBe('MISS');
    expect(cache.stats().stored).toBe(1);
  });

  it('lets a waiter render itself when the client it waited for hung up', async () => {
    const leaderAbort = new AbortController();
    const leader = cache.serve(
      REQ,
      new Deadline(10_000, leaderAbort.signal),
      () =>
        new Promise<CaptureResult>((_, reject) =>
          leaderAbort.signal.addEventListener('abort', () => reject(new ClientGoneError())),
        ),
    );
    await tick();
    const follower = cache.serve(REQ, deadline(), () => Promise.resolve(captureOf('mine')));
    await tick();
    leaderAbort.abort();
    await expect(leader).rejects.toBeInstanceOf(ClientGoneError);
    const served = await follower;
    expect(served.result.body.toString()).toBe('mine');
    expect(served.cache).toBe('MISS');
  });

  it('bypasses the cache for cache: false, neither reading nor storing', async () => {
    await cache.serve(REQ, deadline(), () => Promise.resolve(captureOf('stored')));
    const fresh = await cache.serve({ ...REQ, cache: false } as CaptureOptions, deadline(), () =>
      Promise.resolve(captureOf('fresh')),
    );
    expect(fresh.cache).toBe('BYPASS');
    expect(fresh.result.body.toString()).toBe('fresh');
    const next = await cache.serve(REQ, deadline(), () => Promise.resolve(captureOf('other')));
    expect(next.result.body.toString()).toBe('stored');
  });

  it('does not store a capture over CACHE_MAX_ENTRY_BYTES', async () => {
    const big = () => Promise.resolve(captureOf('x'.repeat(101)));
    expect((await cache.serve(REQ, deadline(), big)).cache).toBe('MISS');
    expect((await cache.serve(REQ, deadline(), big)).cache).toBe('MISS');
    expect(cache.stats()).toMatchObject({ too_large: 2, stored: 0, entries: 0 });
  });

  it('treats an entry older than the request cache_ttl as a miss', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await cache.serve(REQ, deadline(), () => Promise.resolve(captureOf('old')));
      clock.mockReturnValue(now + 5000);
      const tolerant = await cache.serve({ ...REQ, cache_ttl: 60 } as CaptureOptions, deadline(), () =>
        Promise.resolve(captureOf('new')),
      );
      expect(tolerant.cache).toBe('HIT');
      expect(tolerant.maxAgeSeconds).toBe(55); // what is left of the request's 60 s
      const strict = await cache.serve({ ...REQ, cache_ttl: 2 } as CaptureOptions, deadline(), () =>
        Promise.resolve(captureOf('new')),
      );
      expect(strict.cache).toBe('MISS');
      expect(strict.result.body.toString()).toBe('new');
    } finally {
      clock.mockRestore();
    }
  });

  it('is off with CACHE_MAX_SIZE=0: every capture is a BYPASS', async () => {
    const off = cacheOf(loadConfig({ CACHE_MAX_SIZE: '0' }));
    const render = jest.fn(() => Promise.resolve(captureOf('a')));
    expect((await off.serve(REQ, deadline(), render)).cache).toBe('BYPASS');
    expect((await off.serve(REQ, deadline(), render)).cache).toBe('BYPASS');
    expect(render).toHaveBeenCalledTimes(2);
    expect(off.stats()).toMatchObject({ enabled: false, backend: 'off', bypasses: 2 });
    await off.onModuleDestroy();
  });

  it('evicts the least recently used entries when CACHE_MAX_BYTES is reached', async () => {
    const small = cacheOf(loadConfig({ CACHE_MAX_BYTES: '2000' }));
    const body = 'y'.repeat(400); // ~400 bytes + ~300 of meta per entry: two fit in 2000, three do not
    for (const path of ['a', 'b', 'c']) {
      await small.serve({ url: `https://example.com/${path}` } as CaptureOptions, deadline(), () =>
        Promise.resolve(captureOf(body)),
      );
    }
    const stats = small.stats();
    expect(stats.evictions).toBe(1);
    expect(stats.entries).toBe(2);
    expect(stats.bytes).toBeLessThanOrEqual(2000);
    const first = await small.serve({ url: 'https://example.com/a' } as CaptureOptions, deadline(), () =>
      Promise.resolve(captureOf(body)),
    );
    expect(first.cache).toBe('MISS');
    await small.onModuleDestroy();
  });

  it('publishes its counts as Prometheus metrics', async () => {
    const registry = new Registry();
    registerCacheMetrics(registry, () => cache.stats());
    registerCacheMetrics(registry, () => cache.stats()); // twice is harmless
    const render = () => Promise.resolve(captureOf('m'));
    const before = await registry.getSingleMetricAsString('pixashot_cache_hits_total');
    await cache.serve(REQ, deadline(), render);
    await cache.serve(REQ, deadline(), render);
    const hits = (text: string) => Number(/pixashot_cache_hits_total (\d+)/.exec(text)?.[1]);
    const after = await registry.metrics();
    expect(hits(after)).toBe(hits(before) + 1);
    expect(after).toMatch(/pixashot_cache_entries \d+/);
    expect(after).toMatch(/pixashot_cache_bytes [1-9]\d*/);
  });
});
