import { ChildProcess } from 'node:child_process';
import { ServerResponse } from 'node:http';
import { verifyWebhookSignature } from '../src/jobs/webhook-signature';
import { startApp, TestApp, waitFor } from './helpers/app';
import { FixtureServer } from './helpers/fixture-server';
import { binaryParser, pngSize } from './helpers/images';
import { metricValue } from './helpers/metrics';
import { freePort } from './helpers/ports';
import { startRedis, stopRedis } from './helpers/redis';
import { WebhookReceiver } from './helpers/webhook-receiver';

const TOKEN_A = 'async-spec-token-a-0123456789abcdef';
const TOKEN_B = 'async-spec-token-b-0123456789abcdef';
const SECRET = 'async-spec-webhook-secret';
const SMALL = { window_width: 320, window_height: 200, wait_for_network: 'none' };
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

describe('asynchronous captures (POST /captures and friends)', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let fixture: FixtureServer;
  let hooks: WebhookReceiver;
  let svc: TestApp;
  const held = new Map<string, ServerResponse>();

  const as = (token: string) => (method: 'get' | 'post' | 'delete', path: string, body?: object) => {
    const req = svc.http()[method](path).set('Authorization', `Bearer ${token}`);
    return body ? req.send(body) : req;
  };
  const a = as(TOKEN_A);
  const b = as(TOKEN_B);
  const page = (path = '/ok') => ({ url: fixture.url(path), ...SMALL });

  /** Polls GET /captures/{id} (as A) until the job has ended; returns its last status body. */
  async function finished(id: string, timeoutMs = 30_000): Promise<Record<string, any>> {
    let last: Record<string, any> = {};
    await waitFor(
      async () => {
        last = (await a('get', `/captures/${id}`)).body as Record<string, any>;
        return TERMINAL.includes(last.status as string);
      },
      timeoutMs,
      200,
    );
    return last;
  }

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    fixture = await new FixtureServer()
      .page('/ok', '<body style="margin:0;background:rgb(0,128,255)"><h1>async</h1></body>')
      .route('/hold', (req, res) => {
        held.set(new URL(req.url ?? '', 'http://x').searchParams.get('id') ?? '', res);
      })
      .start();
    hooks = await new WebhookReceiver().start();
    svc = await startApp({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      AUTH_TOKENS: `${TOKEN_A},${TOKEN_B}`,
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      WEBHOOK_ALLOW: `127.0.0.1:${hooks.port}`,
      WEBHOOK_SIGNING_SECRET: SECRET,
      ASYNC_CONCURRENCY: '2',
    });
  });

  afterAll(async () => {
    for (const res of held.values()) res.destroy();
    await svc?.close(); // also after Redis went away (the last test): closing must not wait for it
    await hooks?.stop();
    await fixture?.stop();
    await stopRedis(redis);
  });

  it('answers a result with the disposition and file extension the request asked for, as /capture does', async () => {
    const inline = await a('post', '/captures', { ...page(), content_disposition: 'inline' });
    const markdown = await a('post', '/captures', { ...page(), format: 'markdown' });
    expect((await finished(inline.body.id)).status).toBe('succeeded');
    expect((await finished(markdown.body.id)).status).toBe('succeeded');
    const png = await a('get', `/captures/${inline.body.id}/result`).buffer(true).parse(binaryParser);
    expect(png.headers['content-disposition']).toBe('inline; filename=screenshot.png');
    const md = await a('get', `/captures/${markdown.body.id}/result`).buffer(true).parse(binaryParser);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toBe('attachment; filename=screenshot.md');
    expect((md.body as Buffer).toString('utf8')).toContain('async');
  });

  it('queues a capture (202), runs it, serves the bytes with the synchronous headers, and POSTs a signed webhook', async () => {
    const submitted = await a('post', '/captures', { ...page(), webhook_url: hooks.url('/done') });
    expect(submitted.status).toBe(202);
    const { id } = submitted.body;
    expect(submitted.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'queued',
      status_url: `/captures/${id}`,
      result_url: `/captures/${id}/result`,
      created_at: expect.any(String),
    });

    const status = await finished(id);
    expect(status).toMatchObject({ id, status: 'succeeded', attempts: 1 });
    expect(Date.parse(status.started_at)).toBeGreaterThanOrEqual(Date.parse(status.created_at));
    expect(Date.parse(status.finished_at)).toBeGreaterThanOrEqual(Date.parse(status.started_at));
    expect(status.metadata).toMatchObject({ width: 320, height: 200, status_code: 200, format: 'png' });
    expect(status).not.toHaveProperty('owner');

    const result = await a('get', `/captures/${id}/result`).buffer(true).parse(binaryParser);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('image/png');
    expect(result.headers['content-disposition']).toBe('attachment; filename=screenshot.png');
    expect(result.headers['x-final-url']).toBe(fixture.url('/ok'));
    expect(result.headers['x-target-status']).toBe('200');
    expect(result.headers['server-timing']).toMatch(/navigate;dur=\d+/);
    expect(pngSize(result.body as Buffer)).toEqual({ width: 320, height: 200 });

    expect(await waitFor(() => hooks.to('/done').length === 1, 10_000)).toBe(true);
    const [delivery] = hooks.to('/done');
    expect(delivery.body).toEqual({
      event: 'capture.succeeded',
      id,
      status: 'succeeded',
      metadata: status.metadata,
      result_url: `/captures/${id}/result`,
    });
    const signature = delivery.headers['x-pixashot-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, delivery.raw, signature)).toBe(true);
    expect(verifyWebhookSignature('another-secret', delivery.raw, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, delivery.raw.replace('succeeded', 'failed'), signature)).toBe(
      false,
    );
  });

  it('validates exactly like POST /capture: the same 400 for the same bad body, and nothing is queued', async () => {
    const bad = { url: fixture.url('/ok'), fullpage: true, window_width: 0 };
    const sync = await a('post', '/capture', bad);
    const queued = await a('post', '/captures', bad);
    expect(sync.status).toBe(400);
    expect(queued.status).toBe(400);
    expect(queued.body.error_type).toBe('ValidationError');
    expect(queued.body.error_details).toBe(sync.body.error_details);
    const jobFields = await a('post', '/captures', {
      ...page(),
      idempotency_key: 'x'.repeat(201),
      webhook_headers: { 'bad header': 'v' },
    });
    expect(jobFields.status).toBe(400);
    expect(jobFields.body.error_details).toMatch(/idempotency_key/);
    expect(jobFields.body.error_details).toMatch(/webhook_headers/);
  });

  it('refuses a webhook_url the network policy denies with a 400 at submit', async () => {
    for (const url of [
      'http://169.254.169.254/hook',
      'http://10.1.2.3/hook',
      `http://127.0.0.1:${fixture.port}/x`,
    ]) {
      const res = await a('post', '/captures', { ...page(), webhook_url: url });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toMatch(/webhook_url: .*not allowed by the network policy/);
    }
  });

  it('retries a webhook answered 500 with backoff (first retry within 10 s), same signed body each time', async () => {
    hooks.failFirst('/flaky', 2);
    const { body } = await a('post', '/captures', { ...page(), webhook_url: hooks.url('/flaky') });
    expect(await waitFor(() => hooks.to('/flaky').length === 3, 30_000)).toBe(true);
    const [first, second, third] = hooks.to('/flaky');
    expect(second.at - first.at).toBeLessThan(10_000);
    expect(third.at - second.at).toBeGreaterThan((second.at - first.at) * 1.5); // the backoff doubles
    for (const d of [first, second, third]) {
      expect(d.body).toMatchObject({ event: 'capture.succeeded', id: body.id });
      expect(d.raw).toBe(first.raw);
      expect(verifyWebhookSignature(SECRET, d.raw, d.headers['x-pixashot-signature'] as string)).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(hooks.to('/flaky')).toHaveLength(3); // delivered: no more attempts
    const metrics = (await svc.http().get('/metrics')).text;
    expect(metricValue(metrics, 'pixashot_webhook_deliveries_total', { outcome: 'retried' })).toBe(2);
  });

  it('fails a capture the page decides (422) at once: no retry, the error envelope in the status, 404 result, a capture.failed webhook', async () => {
    const before = fixture.hits('/ok').length;
    const { body } = await a('post', '/captures', {
      ...page(),
      selector: '#missing',
      webhook_url: hooks.url('/failed'),
    });
    const status = await finished(body.id);
    expect(status).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: {
        status: 'error',
        error_type: 'ElementNotFoundError',
        error_details: expect.stringMatching(/#missing/),
      },
    });
    expect(status).not.toHaveProperty('metadata');
    expect(fixture.hits('/ok').length - before).toBe(1); // the page was loaded once: no second attempt
    const result = await a('get', `/captures/${body.id}/result`);
    expect(result.status).toBe(404);
    expect(result.body.error_type).toBe('NotFoundError');
    expect(await waitFor(() => hooks.to('/failed').length === 1, 10_000)).toBe(true);
    expect(hooks.to('/failed')[0].body).toMatchObject({
      event: 'capture.failed',
      id: body.id,
      status: 'failed',
      error: { error_type: 'ElementNotFoundError' },
    });
  });

  it('answers 409 JobNotReadyError while the job runs, and cancels a running job (204, then 409 for a second DELETE)', async () => {
    const { body } = await a('post', '/captures', {
      ...page('/hold?id=cancel'),
      webhook_url: hooks.url('/cancelled'),
    });
    expect(await waitFor(() => held.has('cancel'), 15_000)).toBe(true); // the page is loading: the job runs
    expect((await a('get', `/captures/${body.id}`)).body.status).toBe('running');
    const notReady = await a('get', `/captures/${body.id}/result`);
    expect(notReady.status).toBe(409);
    expect(notReady.body.error_type).toBe('JobNotReadyError');

    const cancel = await a('delete', `/captures/${body.id}`);
    expect(cancel.status).toBe(204);
    // the worker stops the capture: its page goes away without an answer from the fixture
    expect(
      await waitFor(
        () => held.get('cancel')!.destroyed || held.get('cancel')!.socket?.destroyed !== false,
        10_000,
      ),
    ).toBe(true);
    const status = (await a('get', `/captures/${body.id}`)).body;
    expect(status).toMatchObject({ status: 'cancelled', finished_at: expect.any(String) });
    expect((await a('get', `/captures/${body.id}/result`)).status).toBe(404);
    const again = await a('delete', `/captures/${body.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error_type).toBe('JobFinishedError');
    expect(await waitFor(() => hooks.to('/cancelled').length === 1, 10_000)).toBe(true);
    expect(hooks.to('/cancelled')[0].body).toMatchObject({
      event: 'capture.cancelled',
      id: body.id,
      status: 'cancelled',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await a('get', `/captures/${body.id}`)).body.status).toBe('cancelled'); // the worker did not overwrite it
  });

  it("retries a capture that failed for the service's own reason (its browser was killed) and counts the attempt", async () => {
    const { body } = await a('post', '/captures', page('/hold?id=crash'));
    expect(await waitFor(() => held.has('crash'), 15_000)).toBe(true);
    const [browser] = svc.pool.browserPids();
    process.kill(browser, 'SIGKILL'); // the first attempt fails with 503: no browser
    expect(
      await waitFor(async () => (await a('get', `/captures/${body.id}`)).body.attempts === 2, 30_000, 100),
    ).toBe(true);
    // the second attempt loads the page again: answer it
    expect(
      await waitFor(
        () => fixture.hits('/hold').filter((h) => h.path.includes('id=crash')).length === 2,
        30_000,
      ),
    ).toBe(true);
    const res = held.get('crash')!;
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<h1>second attempt</h1>');
    const status = await finished(body.id);
    expect(status).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('shows a job only to the principal that made it: another token gets 404 everywhere', async () => {
    const { body } = await a('post', '/captures', page());
    await finished(body.id);
    for (const [method, path] of [
      ['get', `/captures/${body.id}`],
      ['get', `/captures/${body.id}/result`],
      ['delete', `/captures/${body.id}`],
    ] as const) {
      const res = await b(method, path);
      expect(res.status).toBe(404);
      expect(res.body.error_type).toBe('NotFoundError');
    }
    expect((await a('get', `/captures/${body.id}/result`)).status).toBe(200);
    expect((await svc.http().get(`/captures/${body.id}`)).status).toBe(401);
    expect((await b('get', '/captures/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('answers the same job (200) for a repeated idempotency_key from the same principal, a new one for another principal', async () => {
    const body = { ...page(), idempotency_key: 'nightly-report-7' };
    const first = await a('post', '/captures', body);
    const second = await a('post', '/captures', body);
    const other = await b('post', '/captures', body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('queues a batch after validating every request: a 400 names each bad index and queues nothing', async () => {
    const depth = async () => {
      const text = (await svc.http().get('/metrics')).text;
      return ['waiting', 'active', 'completed', 'failed', 'delayed'].reduce(
        (n, state) => n + (metricValue(text, 'pixashot_jobs', { state }) ?? 0),
        0,
      );
    };
    const before = await depth();
    const bad = await a('post', '/captures/batch', {
      requests: [page(), { url: 'file:///etc/passwd' }, page(), { ...page(), fullpage: true }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error_details).toMatch(/requests\[1\]: /);
    expect(bad.body.error_details).toMatch(/requests\[3\]: unknown field "fullpage"/);
    expect(bad.body.error_details).not.toMatch(/requests\[0\]|requests\[2\]/);
    expect(await depth()).toBe(before);
    expect((await a('post', '/captures/batch', { requests: [] })).status).toBe(400);
    expect((await a('post', '/captures/batch', { requests: Array(101).fill(page()) })).status).toBe(400);

    const ok = await a('post', '/captures/batch', {
      requests: [page(), { ...page(), format: 'jpeg' }, { ...page(), selector: '#nope' }],
    });
    expect(ok.status).toBe(202);
    expect(ok.body.jobs).toHaveLength(3);
    const ids = ok.body.jobs.map((j: { id: string }) => j.id);
    for (const id of ids) await finished(id);
    const listing = await a('get', `/captures/batch/${ok.body.batch_id}`);
    expect(listing.body).toEqual({
      batch_id: ok.body.batch_id,
      jobs: [
        { id: ids[0], status: 'succeeded' },
        { id: ids[1], status: 'succeeded' },
        { id: ids[2], status: 'failed' },
      ],
    });
    expect((await b('get', `/captures/batch/${ok.body.batch_id}`)).status).toBe(404);
    const jpeg = await a('get', `/captures/${ids[1]}/result`).buffer(true).parse(binaryParser);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
  });

  it('documents every /captures route in the OpenAPI document with schemas, examples and the new error types', async () => {
    const doc = (await svc.http().get('/docs-json')).body;
    const ops = [
      ['/captures', 'post', '202'],
      ['/captures/batch', 'post', '202'],
      ['/captures/batch/{batch_id}', 'get', '200'],
      ['/captures/{id}', 'get', '200'],
      ['/captures/{id}/result', 'get', '200'],
      ['/captures/{id}', 'delete', '204'],
    ];
    for (const [path, method, ok] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op).toBeDefined();
      expect(op.responses[ok]).toBeDefined();
      expect(op.responses['503']).toBeDefined();
    }
    expect(doc.paths['/captures'].post.requestBody.content['application/json'].schema.$ref).toMatch(
      /CaptureJobRequestDto$/,
    );
    expect(doc.paths['/captures/{id}/result'].get.responses['409']).toBeDefined();
    expect(doc.paths['/captures/{id}'].get.responses['404']).toBeDefined();
    const schemas = doc.components.schemas;
    for (const name of [
      'CaptureJobRequestDto',
      'CaptureJobCreatedDto',
      'CaptureJobStatusDto',
      'CaptureBatchRequestDto',
    ]) {
      for (const [field, prop] of Object.entries(schemas[name].properties as Record<string, any>)) {
        if (prop.$ref || prop.allOf) continue;
        expect(`${name}.${field}: ${prop.example !== undefined || prop.items?.example !== undefined}`).toBe(
          `${name}.${field}: true`,
        );
      }
    }
    expect(schemas.CaptureJobRequestDto.properties.idempotency_key.maxLength).toBe(200);
    expect(schemas.ErrorEnvelopeDto.properties.error_type.enum).toEqual(
      expect.arrayContaining(['JobNotReadyError', 'NotFoundError']),
    );
  });

  it('reports the queue by state and job durations in /metrics, and Redis in readiness', async () => {
    const text = (await svc.http().get('/metrics')).text;
    expect(metricValue(text, 'pixashot_jobs', { state: 'completed' })).toBeGreaterThan(0);
    expect(metricValue(text, 'pixashot_jobs', { state: 'waiting' })).toBeDefined();
    expect(
      metricValue(text, 'pixashot_job_duration_seconds_count', { outcome: 'succeeded' }),
    ).toBeGreaterThan(0);
    expect(metricValue(text, 'pixashot_webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThan(
      0,
    );
    const ready = await svc.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.jobs_redis).toEqual({ status: 'up', async: true });
  });

  it('when Redis goes away: not ready, and the routes answer 503 at once instead of hanging (last: it stops Redis)', async () => {
    await stopRedis(redis);
    expect(
      await waitFor(async () => (await svc.http().get('/health/ready')).status === 503, 15_000, 200),
    ).toBe(true);
    expect((await svc.http().get('/health/ready')).body.details.jobs_redis).toMatchObject({ status: 'down' });
    const started = Date.now();
    const res = await a('post', '/captures', page()).timeout({ response: 10_000 });
    expect(res.status).toBe(503);
    expect(res.body.error_type).toBe('CapacityError');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await a('get', '/captures/00000000-0000-0000-0000-000000000000')).status).toBe(503);
    // a synchronous capture does not need Redis
    expect((await a('post', '/capture', page())).status).toBe(200);
  });
});

describe('asynchronous captures without Redis', () => {
  let svc: TestApp;
  beforeAll(async () => {
    svc = await startApp({ BROWSER_POOL_MIN: '0', CHROME_PATH: '/bin/false' }); // no browser needed
  });
  afterAll(() => svc?.close());

  it('answers 503 CapacityError saying they need Redis, and readiness does not ask for Redis', async () => {
    for (const [method, path] of [
      ['post', '/captures'],
      ['post', '/captures/batch'],
      ['get', '/captures/x'],
      ['get', '/captures/x/result'],
      ['delete', '/captures/x'],
      ['get', '/captures/batch/x'],
    ] as const) {
      const res = await svc.http()[method](path).send({ url: 'https://example.com/' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        error_type: 'CapacityError',
        error_details: expect.stringMatching(/need Redis/),
      });
    }
    const health = await svc.http().get('/health');
    expect(health.body.details.jobs_redis).toEqual({ status: 'up', async: false });
  });
});
