import { ServerResponse } from 'node:http';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp, waitFor } from './helpers/app';
import { metricValue } from './helpers/metrics';

const TOKEN = 'metrics-spec-token-0123456789abcdef';
const QUICK = { window_width: 320, window_height: 240, wait_for_network: 'none' };

describe('GET /metrics (Prometheus)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  const seen: string[] = [];
  const held = new Map<string, ServerResponse>();

  const capture = (body: object) =>
    svc
      .http()
      .post('/capture')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send(body)
      .then((r) => r);
  /** Scrapes without any credentials: /metrics is public like the health probes. */
  const scrape = async () => {
    const res = await svc.http().get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/ok', '<h1 id="title">ok</h1>')
      .route('/hold', (req, res) => {
        const id = new URL(req.url ?? '', 'http://x').searchParams.get('id') ?? '';
        seen.push(id);
        held.set(id, res);
      })
      .start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      AUTH_TOKEN: TOKEN,
      MAX_CONCURRENT_CAPTURES: '1',
      MAX_QUEUE: '2',
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('counts and times captures by format and outcome, with process metrics beside them', async () => {
    expect((await capture({ url: fixture.url('/ok'), ...QUICK })).status).toBe(200);
    expect((await capture({ html_content: '<p>two</p>', ...QUICK })).status).toBe(200);
    expect((await capture({ html_content: '<p>jpeg</p>', format: 'jpeg', ...QUICK })).status).toBe(200);
    expect((await capture({ url: fixture.url('/ok'), selector: '#nope', ...QUICK })).status).toBe(422);
    expect((await capture({ html_content: '<p>x</p>', format: 'gif' })).status).toBe(400);

    const res = await svc.http().get('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain;/);
    expect(res.headers['content-type']).toContain('version=0.0.4');
    const text = res.text;
    const count = (format: string, outcome: string) =>
      metricValue(text, 'pixashot_captures_total', { format, outcome });
    expect(count('png', 'ok')).toBe(2);
    expect(count('jpeg', 'ok')).toBe(1);
    expect(count('png', 'ElementNotFoundError')).toBe(1);
    expect(count('unknown', 'ValidationError')).toBe(1); // rejected before its format was known

    const timed = (suffix: string, labels: Record<string, string>) =>
      metricValue(text, `pixashot_capture_duration_seconds_${suffix}`, labels);
    expect(timed('count', { format: 'png', outcome: 'ok' })).toBe(2);
    expect(timed('bucket', { format: 'png', outcome: 'ok', le: '+Inf' })).toBe(2);
    expect(timed('sum', { format: 'png', outcome: 'ok' })).toBeGreaterThan(0);
    expect(timed('count', { format: 'png', outcome: 'ElementNotFoundError' })).toBe(1);

    expect(metricValue(text, 'pixashot_browsers_alive')).toBe(1);
    expect(metricValue(text, 'pixashot_browser_restarts_total')).toBe(0);
    expect(metricValue(text, 'pixashot_rate_limited_total')).toBe(0);
    expect(metricValue(text, 'pixashot_blocked_targets_total')).toBe(0);
    expect(metricValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('shows running captures, the queue and open pages while they change', async () => {
    const before = metricValue(await scrape(), 'pixashot_captures_total', { format: 'png', outcome: 'ok' })!;
    const running = capture({ url: fixture.url('/hold?id=running'), ...QUICK });
    expect(await waitFor(() => seen.includes('running'))).toBe(true);
    const queued = capture({ url: fixture.url('/ok'), ...QUICK });
    expect(
      await waitFor(async () => metricValue(await scrape(), 'pixashot_capture_queue_length') === 1),
    ).toBe(true);

    const busy = await scrape();
    expect(metricValue(busy, 'pixashot_captures_running')).toBe(1);
    expect(metricValue(busy, 'pixashot_browser_pages_open')).toBe(1);

    const res = held.get('running')!;
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<h1>released</h1>');
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);

    const idle = await scrape();
    expect(metricValue(idle, 'pixashot_captures_running')).toBe(0);
    expect(metricValue(idle, 'pixashot_capture_queue_length')).toBe(0);
    expect(metricValue(idle, 'pixashot_captures_total', { format: 'png', outcome: 'ok' })).toBe(before + 2);
  });

  it('counts targets the network policy refused: the main URL and a redirect hop', async () => {
    const blocked = `http://127.0.0.1:${fixture.port + 1}/`; // a loopback port that is not allow-listed
    fixture.route('/to-blocked', (_req, res) => {
      res.writeHead(302, { Location: blocked });
      res.end();
    });
    const before = metricValue(await scrape(), 'pixashot_blocked_targets_total') ?? 0;
    // the main URL is refused before the browser is involved: exactly one
    expect((await capture({ url: blocked })).status).toBe(403);
    expect(metricValue(await scrape(), 'pixashot_blocked_targets_total')).toBe(before + 1);
    // the hop is refused in the proxy; Chrome may also ask the refused origin for /favicon.ico,
    // which is refused too and counted (the metric counts connections)
    expect((await capture({ url: fixture.url('/to-blocked') })).status).toBe(403);
    const after = metricValue(await scrape(), 'pixashot_blocked_targets_total')!;
    expect(after).toBeGreaterThanOrEqual(before + 2);
    expect(after).toBeLessThanOrEqual(before + 3);
  });
});

describe('GET /metrics with rate limiting on', () => {
  it('counts requests refused with 429', async () => {
    const svc = await startApp({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_CAPTURE: '1 per minute',
      BROWSER_POOL_MIN: '0',
    });
    try {
      expect((await svc.capture({})).status).toBe(400); // counted, then refused by validation
      expect((await svc.capture({})).status).toBe(429);
      expect((await svc.capture({})).status).toBe(429);
      const text = (await svc.http().get('/metrics')).text;
      expect(metricValue(text, 'pixashot_rate_limited_total')).toBe(2);
      expect(
        metricValue(text, 'pixashot_captures_total', { format: 'unknown', outcome: 'RateLimitError' }),
      ).toBe(2);
    } finally {
      await svc.close();
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  it('removes the /metrics route', async () => {
    const svc = await startApp({ METRICS_ENABLED: 'false', BROWSER_POOL_MIN: '0' });
    try {
      const res = await svc.http().get('/metrics');
      expect(res.status).toBe(404);
      expect(res.body.error_type).toBe('NotFoundError');
    } finally {
      await svc.close();
    }
  });
});

describe('METRICS_AUTH=true (internet-facing installs)', () => {
  it('asks for a bearer token on /metrics, never counts scrapes against the rate limit, health stays open', async () => {
    const svc = await startApp({
      METRICS_AUTH: 'true',
      AUTH_TOKEN: TOKEN,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_CAPTURE: '1 per minute',
      BROWSER_POOL_MIN: '0',
    });
    try {
      const missing = await svc.http().get('/metrics');
      expect(missing.status).toBe(401);
      expect(missing.text).not.toContain('pixashot_');
      const wrong = await svc
        .http()
        .get('/metrics')
        .set('Authorization', `Bearer ${'w'.repeat(32)}`);
      expect(wrong.status).toBe(403);
      for (let i = 0; i < 3; i++) {
        const ok = await svc.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
        expect(ok.status).toBe(200);
        expect(ok.text).toContain('pixashot_captures_total');
        expect(ok.headers['x-ratelimit-limit']).toBeUndefined();
      }
      expect((await svc.http().get('/health/live')).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
