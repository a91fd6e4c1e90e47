import { ChildProcess } from 'node:child_process';
import { createServer, Server, Socket } from 'node:net';
import Redis from 'ioredis';
import { measureCacheHitLatency } from '../scripts/cache-hit-latency';
import { CaptureCacheService } from '../src/cache/capture-cache.service';
import { FixtureServer } from './helpers/fixture-server';
import { binaryParser, pngSize } from './helpers/images';
import { startApp, TestApp, waitFor } from './helpers/app';
import { freePort } from './helpers/ports';
import { startRedis, stopRedis } from './helpers/redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET /capture with the fields as a query; binary body. */
const getCapture = (svc: TestApp, query: Record<string, string | number | boolean>) =>
  svc.http().get('/capture').query(query).buffer(true).parse(binaryParser);

const SMALL = { window_width: 320, window_height: 240, wait_for_network: 'none' };
const PAGE = (text: string) =>
  `<!doctype html><html><head><title>${text}</title><style>body{margin:0;background:rgb(0,128,255)}</style></head><body><h1>${text}</h1></body></html>`;

describe('Response cache, in memory (real Chromium)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  const visits = new Map<string, number>();
  /** A page that says how often it was served, so a fresh render and a stored one differ. */
  const counted = (path: string) =>
    fixture.route(path, (req, res) => {
      const n = (visits.get(path) ?? 0) + 1;
      visits.set(path, n);
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        `<!doctype html><html><body><p>visit ${n}</p><p>cookie=${req.headers.cookie ?? ''}</p></body></html>`,
      );
    });

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/hit', PAGE('hit'))
      .page('/ttl', PAGE('ttl'))
      .page('/etag', PAGE('etag'))
      .route('/slow', (_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end(PAGE('slow'));
        }, 1000);
      })
      .start();
    counted('/counted');
    counted('/cookie');
    counted('/scripted');
    // A page an interaction changes: the click leaves a mark the HTML capture shows.
    fixture.route('/clickable', (_req, res) => {
      const n = (visits.get('/clickable') ?? 0) + 1;
      visits.set('/clickable', n);
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        `<!doctype html><html><body><p>visit ${n}</p>` +
          `<button id="press" onclick="document.getElementById('state').textContent = 'clicked'">press</button>` +
          `<p id="state">untouched</p></body></html>`,
      );
    });
    let flaky = 0;
    fixture.route('/flaky', (_req, res) => {
      flaky++;
      res.writeHead(flaky === 1 ? 500 : 200, { 'Content-Type': 'text/html' });
      res.end(PAGE(flaky === 1 ? 'broken' : 'fixed'));
    });
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}`, CACHE_MAX_SIZE: '500' });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('renders a capture once and answers the same request again from the cache', async () => {
    const first = await svc.capture({ url: fixture.url('/hit'), ...SMALL });
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('private, max-age=3600');
    expect(first.headers.etag).toMatch(/^"[\w-]{43}"$/);

    // the same capture spelled differently: field order and an explicit default
    const second = await svc.capture({ ...SMALL, format: 'png', url: fixture.url('/hit') });
    expect(second.status).toBe(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(fixture.hits('/hit')).toHaveLength(1);
    expect(Buffer.compare(second.body, first.body)).toBe(0);
    expect(pngSize(second.body)).toEqual({ width: 320, height: 240 });
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    const maxAge = Number(/max-age=(\d+)/.exec(second.headers['cache-control'])![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    // the capture's own headers come back with it
    expect(second.headers['content-type']).toBe('image/png');
    expect(Number(second.headers['content-length'])).toBe(second.body.length);
    expect(second.headers['content-disposition']).toBe('attachment; filename=screenshot.png');
    expect(second.headers['x-target-status']).toBe('200');
    expect(second.headers['x-final-url']).toBe(fixture.url('/hit'));
    expect(second.headers['server-timing']).toMatch(/^cache;dur=\d+$/);
  });

  it('answers response_type json, empty and GET /capture from the same entry', async () => {
    const raw = await svc.capture({ url: fixture.url('/hit'), ...SMALL });
    const json = await svc.capture({ url: fixture.url('/hit'), ...SMALL, response_type: 'json' });
    expect(json.status).toBe(200);
    expect(json.headers['x-cache']).toBe('HIT');
    expect(Buffer.compare(Buffer.from(json.body.file, 'base64'), raw.body)).toBe(0);
    expect(json.body.metadata).toMatchObject({
      final_url: fixture.url('/hit'),
      status_code: 200,
      title: 'hit',
    });
    expect(json.headers.etag).not.toBe(raw.headers.etag); // another representation

    const empty = await svc.capture({ url: fixture.url('/hit'), ...SMALL, response_type: 'empty' });
    expect(empty.status).toBe(204);
    expect(empty.headers['x-cache']).toBe('HIT');

    const viaGet = await getCapture(svc, { url: fixture.url('/hit'), ...SMALL });
    expect(viaGet.status).toBe(200);
    expect(viaGet.headers['x-cache']).toBe('HIT');
    expect(fixture.hits('/hit')).toHaveLength(1);
  });

  it('renders again once cache_ttl has passed', async () => {
    const body = { url: fixture.url('/ttl'), ...SMALL, cache_ttl: 1 };
    const first = await svc.capture(body);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe('private, max-age=1');
    await sleep(1500);
    const later = await svc.capture(body);
    expect(later.status).toBe(200);
    expect(later.headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/ttl')).toHaveLength(2);
  });

  it('answers 304 without a body and without a capture when If-None-Match names the entry', async () => {
    const body = { url: fixture.url('/etag'), ...SMALL };
    const first = await svc.capture(body);
    const etag = first.headers.etag;

    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const cached = await svc.capture(body).set('If-None-Match', header);
      expect(cached.status).toBe(304);
      expect(cached.headers['x-cache']).toBe('HIT');
      expect(cached.headers.etag).toBe(etag);
      expect(cached.body).toHaveLength(0);
    }
    const stale = await svc.capture(body).set('If-None-Match', '"not-this-one"');
    expect(stale.status).toBe(200);
    expect(Buffer.compare(stale.body, first.body)).toBe(0);

    const json = await svc.capture({ ...body, response_type: 'json' });
    const jsonAgain = await svc
      .capture({ ...body, response_type: 'json' })
      .set('If-None-Match', json.headers.etag);
    expect(jsonAgain.status).toBe(304);
    const rawWithJsonTag = await svc.capture(body).set('If-None-Match', json.headers.etag);
    expect(rawWithJsonTag.status).toBe(200);
    expect(fixture.hits('/etag')).toHaveLength(1);
  });

  it('renders 5 identical concurrent requests once and gives all 5 the same capture', async () => {
    const body = { url: fixture.url('/slow'), ...SMALL };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => svc.capture(body)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(fixture.hits('/slow')).toHaveLength(1);
    for (const r of results) expect(Buffer.compare(r.body, results[0].body)).toBe(0);
    expect(results.filter((r) => r.headers['x-cache'] === 'MISS').length).toBeGreaterThanOrEqual(1);
  });

  it('renders fresh with cache: false (BYPASS, no-store) and leaves the stored entry alone', async () => {
    const body = { url: fixture.url('/counted'), format: 'html', wait_for_network: 'none' };
    const first = await svc.capture(body);
    expect(first.body.toString()).toContain('visit 1');

    const bypass = await svc.capture({ ...body, cache: false });
    expect(bypass.status).toBe(200);
    expect(bypass.headers['x-cache']).toBe('BYPASS');
    expect(bypass.headers['cache-control']).toBe('no-store');
    expect(bypass.body.toString()).toContain('visit 2');

    const viaGet = await getCapture(svc, { ...body, cache: false });
    expect(viaGet.headers['x-cache']).toBe('BYPASS');
    expect(viaGet.body.toString()).toContain('visit 3');

    const again = await svc.capture(body);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.toString()).toContain('visit 1');
    expect(fixture.hits('/counted')).toHaveLength(3);
  });

  it('never stores an error: the next request renders again', async () => {
    const body = { url: fixture.url('/flaky'), ...SMALL, fail_on_http_error: true };
    const failed = await svc.capture(body);
    expect(failed.status).toBe(502);
    expect(failed.body.error_type).toBe('NavigationError');
    expect(failed.headers['x-cache']).toBeUndefined();

    const retried = await svc.capture(body);
    expect(retried.status).toBe(200);
    expect(retried.headers['x-cache']).toBe('MISS');
    expect((await svc.capture(body)).headers['x-cache']).toBe('HIT');
    expect(fixture.hits('/flaky')).toHaveLength(2);
  });

  it('does not give a request with cookies or headers the plain request entry', async () => {
    const plain = { url: fixture.url('/cookie'), format: 'html', wait_for_network: 'none' };
    expect((await svc.capture(plain)).body.toString()).toContain('cookie=<');

    const withCookie = {
      ...plain,
      cookies: [{ name: 'session', value: 'abc', domain: '127.0.0.1', path: '/' }],
    };
    const cookied = await svc.capture(withCookie);
    expect(cookied.status).toBe(200);
    expect(cookied.headers['x-cache']).toBe('MISS');
    expect(cookied.body.toString()).toContain('cookie=session=abc');
    expect(fixture.hits('/cookie')[1].headers.cookie).toBe('session=abc');

    const withHeader = await svc.capture({ ...plain, custom_headers: { 'X-Preview': '1' } });
    expect(withHeader.headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/cookie')).toHaveLength(3);

    // each is stored under its own full request
    expect((await svc.capture(withCookie)).headers['x-cache']).toBe('HIT');
    expect((await svc.capture(plain)).headers['x-cache']).toBe('HIT');
    expect(fixture.hits('/cookie')).toHaveLength(3);
  });

  it.each([
    [{ cache_ttl: 0 }, 'cache_ttl must not be less than 1'],
    [{ cache_ttl: 86401 }, 'cache_ttl must not be greater than 86400'],
    [{ cache_ttl: 1.5 }, 'cache_ttl must be an integer number'],
    [{ cache: 'yes' }, 'cache must be a boolean value'],
  ])('400 for %j', async (fields, message) => {
    const res = await svc.capture({ url: fixture.url('/hit'), ...fields });
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe('ValidationError');
    expect(res.body.error_details).toContain(message);
  });

  it('gives the benchmark a cache-hit latency row, and refuses to time anything but hits', async () => {
    fixture.page('/bench', PAGE('bench'));
    const body = { url: fixture.url('/bench'), ...SMALL };
    const row = await measureCacheHitLatency(await svc.app.getUrl(), body, { samples: 20 });
    expect(row.samples).toBe(20);
    expect(row.bytes).toBeGreaterThan(0);
    expect(row.p50_ms).toBeLessThanOrEqual(row.p95_ms);
    expect(fixture.hits('/bench')).toHaveLength(1);
    await expect(
      measureCacheHitLatency(await svc.app.getUrl(), { ...body, cache: false }, { samples: 2 }),
    ).rejects.toThrow('X-Cache BYPASS');
  });

  it('stores a request with custom_js under its full request, apart from the same URL without it', async () => {
    const plain = { url: fixture.url('/scripted'), format: 'html', wait_for_network: 'none' };
    const scripted = { ...plain, custom_js: 'document.body.style.background="red"' };
    const otherScript = { ...plain, custom_js: 'document.body.style.background="blue"' };

    const plainFirst = await svc.capture(plain);
    expect(plainFirst.headers['x-cache']).toBe('MISS');
    expect(plainFirst.body.toString()).not.toContain('background');
    const scriptedFirst = await svc.capture(scripted);
    expect(scriptedFirst.status).toBe(200);
    expect(scriptedFirst.headers['x-cache']).toBe('MISS');
    expect(scriptedFirst.body.toString()).toContain('background: red');
    expect(fixture.hits('/scripted')).toHaveLength(2);

    // each answers from its own entry, with its own bytes
    const scriptedAgain = await svc.capture(scripted);
    expect(scriptedAgain.headers['x-cache']).toBe('HIT');
    expect(Buffer.compare(scriptedAgain.body, scriptedFirst.body)).toBe(0);
    const plainAgain = await svc.capture(plain);
    expect(plainAgain.headers['x-cache']).toBe('HIT');
    expect(Buffer.compare(plainAgain.body, plainFirst.body)).toBe(0);
    expect(plainAgain.headers.etag).not.toBe(scriptedAgain.headers.etag);
    expect(fixture.hits('/scripted')).toHaveLength(2);

    // another script is another capture
    const other = await svc.capture(otherScript);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.body.toString()).toContain('background: blue');
    expect(fixture.hits('/scripted')).toHaveLength(3);
  });

  it('stores a request with interactions under its full request, apart from the same URL without them', async () => {
    const plain = { url: fixture.url('/clickable'), format: 'html', wait_for_network: 'none' };
    const clicked = { ...plain, interactions: [{ action: 'click', selector: '#press' }] };

    const plainFirst = await svc.capture(plain);
    expect(plainFirst.headers['x-cache']).toBe('MISS');
    expect(plainFirst.body.toString()).toContain('<p id="state">untouched</p>');
    const clickedFirst = await svc.capture(clicked);
    expect(clickedFirst.status).toBe(200);
    expect(clickedFirst.headers['x-cache']).toBe('MISS');
    expect(clickedFirst.body.toString()).toContain('<p id="state">clicked</p>');
    expect(fixture.hits('/clickable')).toHaveLength(2);

    const clickedAgain = await svc.capture(clicked);
    expect(clickedAgain.headers['x-cache']).toBe('HIT');
    expect(clickedAgain.body.toString()).toContain('<p id="state">clicked</p>');
    expect(Buffer.compare(clickedAgain.body, clickedFirst.body)).toBe(0);
    const plainAgain = await svc.capture(plain);
    expect(plainAgain.headers['x-cache']).toBe('HIT');
    expect(plainAgain.body.toString()).toContain('<p id="state">untouched</p>');
    expect(fixture.hits('/clickable')).toHaveLength(2);

    // the same step on another element is another capture
    const hovered = await svc.capture({ ...plain, interactions: [{ action: 'hover', selector: '#press' }] });
    expect(hovered.headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/clickable')).toHaveLength(3);
  });

  it('counts hits, misses and bytes held in stats() and the Prometheus metrics', async () => {
    const stats = svc.app.get(CaptureCacheService).stats();
    expect(stats).toMatchObject({ enabled: true, backend: 'memory', available: true, in_flight: 0 });
    expect(stats.hits).toBeGreaterThan(5);
    expect(stats.misses).toBeGreaterThan(5);
    expect(stats.coalesced).toBeGreaterThanOrEqual(4);
    expect(stats.bytes).toBeGreaterThan(0);
    const text = (await svc.http().get('/metrics')).text;
    expect(Number(/^pixashot_cache_hits_total (\d+)$/m.exec(text)?.[1])).toBe(stats.hits);
    expect(text).toMatch(/^pixashot_cache_bytes [1-9]\d*$/m);
  });
});

describe('Response cache size limits (real Chromium)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  const para = (n: number) => `<!doctype html><html><body><p>${'a'.repeat(n)}</p></body></html>`;
  const capture = (path: string) =>
    svc.capture({ url: fixture.url(path), format: 'html', wait_for_network: 'none' });

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/p1', para(6000))
      .page('/p2', para(6000))
      .page('/p3', para(6000))
      .page('/big', para(10000))
      .start();
    // two ~6.4 KB entries fit in 16 KiB, a third pushes the oldest out; 10 KB is over the per-entry cap
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      CACHE_MAX_SIZE: '500',
      CACHE_MAX_BYTES: '16384',
      CACHE_MAX_ENTRY_BYTES: '9000',
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('evicts the least recently used entry when CACHE_MAX_BYTES is reached', async () => {
    for (const path of ['/p1', '/p2', '/p3']) expect((await capture(path)).headers['x-cache']).toBe('MISS');
    const evicted = await capture('/p1');
    expect(evicted.status).toBe(200);
    expect(evicted.headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/p1')).toHaveLength(2);
    expect((await capture('/p3')).headers['x-cache']).toBe('HIT');
    const stats = svc.app.get(CaptureCacheService).stats();
    expect(stats.evictions).toBeGreaterThanOrEqual(2);
    expect(stats.bytes).toBeLessThanOrEqual(16384);
  });

  it('answers but does not store a capture over CACHE_MAX_ENTRY_BYTES', async () => {
    const first = await capture('/big');
    expect(first.status).toBe(200);
    expect(first.body.length).toBeGreaterThan(9000);
    expect(first.headers['x-cache']).toBe('MISS');
    expect((await capture('/big')).headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/big')).toHaveLength(2);
  });
});

describe('Response cache entry limit, CACHE_MAX_SIZE=2 (real Chromium)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  const capture = (path: string) =>
    svc.capture({ url: fixture.url(path), format: 'html', wait_for_network: 'none' });
  /** Asks for `path` and returns what the cache said. */
  const cacheOf = async (path: string) => {
    const res = await capture(path);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain(`<h1>${path}</h1>`);
    return res.headers['x-cache'] as string;
  };

  beforeAll(async () => {
    fixture = new FixtureServer();
    for (const path of ['/a', '/b', '/c']) fixture.page(path, PAGE(path));
    await fixture.start();
    // entries of a few hundred bytes: only the entry count can evict
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}`, CACHE_MAX_SIZE: '2' });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('keeps at most 2 entries and evicts the least recently used one', async () => {
    expect([await cacheOf('/a'), await cacheOf('/b'), await cacheOf('/c')]).toEqual(['MISS', 'MISS', 'MISS']);
    // /a, the oldest, made room for /c
    expect(await cacheOf('/a')).toBe('MISS');
    expect(fixture.hits('/a')).toHaveLength(2);
    // storing /a again pushed out /b, the least recently used; /c stayed
    expect(await cacheOf('/c')).toBe('HIT');
    expect(fixture.hits('/c')).toHaveLength(1);
    // recency, not insertion order: /c was just read, so /b pushes out /a (inserted after /c)
    expect(await cacheOf('/b')).toBe('MISS');
    expect(await cacheOf('/c')).toBe('HIT');
    expect(await cacheOf('/a')).toBe('MISS');
    expect(fixture.hits('/a')).toHaveLength(3);
    expect(fixture.hits('/b')).toHaveLength(2);
    expect(fixture.hits('/c')).toHaveLength(1);
    const stats = svc.app.get(CaptureCacheService).stats();
    expect(stats.entries).toBe(2);
    expect(stats.evictions).toBeGreaterThanOrEqual(4);
  });
});

describe('Response cache in Redis, shared by two replicas (real Chromium, real redis-server)', () => {
  let fixture: FixtureServer;
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let a: TestApp;
  let b: TestApp;
  let inspect: Redis;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/shared', PAGE('shared'))
      .page('/big', `<!doctype html><html><body><p>${'b'.repeat(10000)}</p></body></html>`)
      .page('/down', PAGE('down'))
      .page('/back', PAGE('back'))
      .start();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const env = {
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      CACHE_MAX_SIZE: '500',
      CACHE_MAX_ENTRY_BYTES: '9000',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    };
    a = await startApp(env);
    b = await startApp(env);
    inspect = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
    inspect.on('error', () => undefined);
    await waitFor(() => [a, b].every((s) => s.app.get(CaptureCacheService).stats().available));
  });

  afterAll(async () => {
    if (inspect?.status === 'ready') await inspect.quit(); // disconnect() on a dead socket arms a 2 s timer
    await a?.close();
    await b?.close();
    await stopRedis(redis);
    await fixture?.stop();
  });

  it('answers on replica B a capture rendered on replica A', async () => {
    const body = { url: fixture.url('/shared'), ...SMALL, cache_ttl: 600 };
    const onA = await a.capture(body);
    expect(onA.status).toBe(200);
    expect(onA.headers['x-cache']).toBe('MISS');

    const onB = await b.capture(body);
    expect(onB.status).toBe(200);
    expect(onB.headers['x-cache']).toBe('HIT');
    expect(Buffer.compare(onB.body, onA.body)).toBe(0);
    expect(onB.headers.etag).toBe(onA.headers.etag);
    expect(onB.headers['x-final-url']).toBe(fixture.url('/shared'));
    expect(fixture.hits('/shared')).toHaveLength(1);

    // body and meta, both with the request's TTL
    const keys = (await inspect.keys('pixashot:cache:*')).sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^pixashot:cache:\{v1:[0-9a-f]{64}\}:body$/);
    expect(keys[1]).toMatch(/:meta$/);
    for (const key of keys) {
      const pttl = await inspect.pttl(key);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(600_000);
    }
  });

  it('does not push a capture over CACHE_MAX_ENTRY_BYTES to Redis', async () => {
    const body = { url: fixture.url('/big'), format: 'html', wait_for_network: 'none' };
    expect((await a.capture(body)).headers['x-cache']).toBe('MISS');
    expect((await b.capture(body)).headers['x-cache']).toBe('MISS');
    expect(fixture.hits('/big')).toHaveLength(2);
    expect(await inspect.keys('pixashot:cache:*')).toHaveLength(2); // only the entry of the test before
  });

  it('keeps capturing while Redis is down (BYPASS), and uses Redis again once it is back', async () => {
    await stopRedis(redis);
    const body = { url: fixture.url('/down'), ...SMALL };
    for (let i = 0; i < 2; i++) {
      const res = await a.capture(body);
      expect(res.status).toBe(200);
      expect(res.headers['x-cache']).toBe('BYPASS');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(fixture.hits('/down')).toHaveLength(2);

    redis = await startRedis(redisPort);
    const reconnected = () => [a, b].every((s) => s.app.get(CaptureCacheService).stats().available);
    expect(await waitFor(reconnected, 20000)).toBe(true);
    const back = { url: fixture.url('/back'), ...SMALL };
    expect((await a.capture(back)).headers['x-cache']).toBe('MISS');
    expect((await a.capture(back)).headers['x-cache']).toBe('HIT');
  });
});

describe('Response cache with Redis unreachable from the start (real Chromium)', () => {
  let fixture: FixtureServer;
  let silent: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    fixture = await new FixtureServer().page('/page', PAGE('page')).start();
    // accepts connections and never answers: a hung Redis
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
    await fixture?.stop();
  });

  it.each([
    ['a closed port', async () => freePort()],
    ['a server that never answers', async () => (silent.address() as { port: number }).port],
  ])('still answers 200 (BYPASS) when REDIS_URL points at %s', async (_what, portOf) => {
    const port = await portOf();
    const svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      CACHE_MAX_SIZE: '500',
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    try {
      const before = fixture.hits('/page').length;
      for (let i = 0; i < 2; i++) {
        const res = await svc.capture({ url: fixture.url('/page'), ...SMALL });
        expect(res.status).toBe(200);
        expect(res.headers['x-cache']).toBe('BYPASS');
        expect(pngSize(res.body)).toEqual({ width: 320, height: 240 });
      }
      expect(fixture.hits('/page').length - before).toBe(2);
      expect(svc.app.get(CaptureCacheService).stats()).toMatchObject({ backend: 'redis', available: false });
    } finally {
      await svc.close();
    }
  });
});
