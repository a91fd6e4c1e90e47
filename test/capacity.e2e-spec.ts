import { request as httpRequest } from 'node:http';
import { ServerResponse } from 'node:http';
import { Admission } from '../src/capture/admission';
import { Deadline } from '../src/common/deadline';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp, waitFor } from './helpers/app';
import { pixel, pngSize } from './helpers/images';
import { metricValue } from './helpers/metrics';

const REQUEST_TIMEOUT_MS = 8000;
/** In the disconnect test: when the held page answers on its own if nothing freed the slot before. */
const SLOW_PAGE_GIVES_UP_MS = 7000;
const MAX_CAPTURE_HEIGHT = 6000;

const GREEN = '<body style="margin:0;background:#00ff00"><h1>ok</h1></body>';
const quick = { window_width: 320, window_height: 240, wait_for_network: 'none' };

/**
 * Capacity and deadlines with one capture slot and a queue of one: hung
 * pages of every kind end within the request deadline, their pages are torn
 * down (the fixture sees the connections they held close), and the service
 * keeps answering.
 */
describe('Admission and deadlines (MAX_CONCURRENT_CAPTURES=1, MAX_QUEUE=1)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  /** What the fixture saw, in order: "hold a", "hold-closed a", "ok /ok?x", "held-closed spin"... */
  const events: string[] = [];
  /** Held responses of /hold by id: call to answer. */
  const holds = new Map<string, () => void>();

  const answer = (res: ServerResponse, html = GREEN) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(html);
  };
  const idOf = (url = '') => new URL(url, 'http://x').searchParams.get('id') ?? '';
  const metric = async (name: string) =>
    metricValue((await svc.http().get('/metrics')).text, name) ?? Number.NaN;
  const closedEvent = (name: string) => () => events.includes(name);

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .route('/ok', (req, res) => {
        events.push(`ok ${idOf(req.url)}`);
        answer(res);
      })
      // Answers only when the test says so (or when the test's fallback timer does).
      .route('/hold', (req, res) => {
        const id = idOf(req.url);
        events.push(`hold ${id}`);
        res.on('close', () => {
          if (!res.writableFinished) events.push(`hold-closed ${id}`);
        });
        holds.set(id, () => answer(res));
      })
      // A response that starts and never ends; records when the browser lets go of it.
      .route('/held', (req, res) => {
        const id = idOf(req.url);
        events.push(`held ${id}`);
        res.on('close', () => {
          if (!res.writableFinished) events.push(`held-closed ${id}`);
        });
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.write('<h1>partial</h1>');
      })
      .page('/spin', `<h1>spin</h1><script>fetch('/held?id=spin'); while (true) {}</script>`)
      .start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      MAX_CONCURRENT_CAPTURES: '1',
      MAX_QUEUE: '1',
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      MAX_CAPTURE_HEIGHT: String(MAX_CAPTURE_HEIGHT),
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  /** The service still works: a plain capture is 200 and green. */
  const expectServiceWorks = async (id: string) => {
    const res = await svc.capture({ url: fixture.url(`/ok?id=${id}`), ...quick });
    expect(res.status).toBe(200);
    expect(pixel(res.body, 10, 10)).toEqual([0, 255, 0, 255]);
  };

  it('answers 503 with Retry-After at once when the slot and the queue are taken, and serves the queue after', async () => {
    const running = svc.capture({ url: fixture.url('/hold?id=full-a'), ...quick }).then((r) => r);
    expect(await waitFor(closedEvent('hold full-a'))).toBe(true);
    const queued = svc.capture({ url: fixture.url('/ok?id=full-b'), ...quick }).then((r) => r);
    expect(await waitFor(async () => (await metric('pixashot_capture_queue_length')) === 1)).toBe(true);

    const turnedAway = await svc.capture({ url: fixture.url('/ok?id=full-c'), ...quick });
    expect(turnedAway.status).toBe(503);
    expect(turnedAway.body.error_type).toBe('CapacityError');
    expect(turnedAway.body.error_details).toContain('queue is full');
    expect(Number(turnedAway.headers['retry-after'])).toBeGreaterThan(0);
    // Answered while the first capture was still held: it did not wait for a slot.
    expect(events).not.toContain('ok full-b');

    holds.get('full-a')!();
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect(events.filter((e) => e.endsWith('full-c'))).toEqual([]);
  });

  it('frees the slot of a client that disconnects at once: the queued capture starts before the held one would end', async () => {
    // The first capture, over a raw socket so the test can hang up on it.
    const aborted = new Promise<void>((resolve) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: (svc.app.getHttpServer().address() as { port: number }).port,
          method: 'POST',
          path: '/capture',
          headers: { 'Content-Type': 'application/json' },
        },
        () => undefined,
      );
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end(JSON.stringify({ url: fixture.url('/hold?id=slow'), ...quick }));
      void waitFor(closedEvent('hold slow')).then(async () => {
        await waitFor(async () => (await metric('pixashot_capture_queue_length')) === 1);
        events.push('client hangs up');
        req.destroy();
      });
    });
    expect(await waitFor(closedEvent('hold slow'))).toBe(true);
    // If hanging up did not free the slot, the held page would answer by itself later and only then let the next one in.
    const fallback = setTimeout(() => {
      events.push('slow page would have finished');
      holds.get('slow')?.();
    }, SLOW_PAGE_GIVES_UP_MS);

    const next = await svc.capture({ url: fixture.url('/ok?id=after-hangup'), ...quick });
    clearTimeout(fallback);
    await aborted;
    expect(next.status).toBe(200);
    const order = (e: string) => events.indexOf(e);
    expect(order('client hangs up')).toBeGreaterThan(order('hold slow'));
    expect(order('ok after-hangup')).toBeGreaterThan(order('client hangs up'));
    expect(events).not.toContain('slow page would have finished');
    // The abandoned page was closed: the browser let go of the held response.
    expect(await waitFor(closedEvent('hold-closed slow'))).toBe(true);
  });

  it('ends while(1) in html_content with 504 at wait_for_timeout, closes its page, and serves the next capture', async () => {
    const res = await svc.capture({
      html_content: `<script>fetch('${fixture.url('/held?id=html-spin')}'); while (true) {}</script>`,
      wait_for_timeout: 1500,
      ...quick,
    });
    expect(res.status).toBe(504);
    expect(res.body.error_type).toBe('TimeoutError');
    expect(res.body.error_details).toBe('The content did not finish loading within 1500 ms');
    expect(await waitFor(closedEvent('held-closed html-spin'))).toBe(true);
    await expectServiceWorks('after-html-spin');
  });

  it('ends while(1) in a fetched page with 504, closes its page, and serves the next capture', async () => {
    const res = await svc.capture({ url: fixture.url('/spin'), wait_for_timeout: 1500, ...quick });
    expect(res.status).toBe(504);
    expect(res.body.error_type).toBe('TimeoutError');
    expect(res.body.error_details).toBe('The page did not finish loading within 1500 ms');
    expect(await waitFor(closedEvent('held-closed spin'))).toBe(true);
    await expectServiceWorks('after-spin');
  });

  it('ends a response that never finishes with 504 and lets go of the connection', async () => {
    const res = await svc.capture({ url: fixture.url('/held?id=endless'), wait_for_timeout: 1500, ...quick });
    expect(res.status).toBe(504);
    expect(res.body.error_type).toBe('TimeoutError');
    expect(res.body.error_details).toBe('The page did not finish loading within 1500 ms');
    expect(await waitFor(closedEvent('held-closed endless'))).toBe(true);
    await expectServiceWorks('after-endless');
  });

  it('cuts a custom_js that never settles at the request deadline (504) and closes the page', async () => {
    const res = await svc.capture({
      html_content: `<script>fetch('${fixture.url('/held?id=never-settles')}')</script><h1>x</h1>`,
      custom_js: 'new Promise(() => {})',
      wait_for_timeout: 60000,
      ...quick,
    });
    expect(res.status).toBe(504);
    expect(res.body.error_type).toBe('TimeoutError');
    expect(res.body.error_details).toContain('deadline');
    expect(await waitFor(closedEvent('held-closed never-settles'))).toBe(true);
    await expectServiceWorks('after-never-settles');
  });

  it('dismisses alert, confirm and prompt so the page goes on (200)', async () => {
    const res = await svc.capture({
      html_content: `<body style="margin:0"><script>
        alert('hello');
        const answered = confirm('sure?') || prompt('name?') !== null;
        document.body.style.background = answered ? '#ff0000' : '#00ff00';
      </script></body>`,
      ...quick,
    });
    expect(res.status).toBe(200);
    expect(pixel(res.body, 10, 10)).toEqual([0, 255, 0, 255]);
  });

  it('caps a 100000 px tall full-page capture at MAX_CAPTURE_HEIGHT and says so', async () => {
    const res = await svc.capture({
      html_content:
        '<body style="margin:0"><div style="height:100000px;background:linear-gradient(#ff0000,#0000ff)"></div></body>',
      full_page: true,
      window_width: 200,
      window_height: 300,
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-capture-truncated']).toBe('true');
    expect(pngSize(res.body)).toEqual({ width: 200, height: MAX_CAPTURE_HEIGHT });
  });

  it('has no page left open and no capture left running after all of that', async () => {
    expect(await waitFor(() => svc.pool.stats().activePages === 0)).toBe(true);
    expect(await metric('pixashot_captures_running')).toBe(0);
    expect(await metric('pixashot_capture_queue_length')).toBe(0);
  });
});

/** REQUEST_TIMEOUT_MS of the block below: small (the config minimum is 1000), so a queued request runs out. */
const SHORT_TIMEOUT_MS = 3000;
/** How long /slow takes to answer: most of the budget. */
const SLOW_PAGE_MS = 2500;
/** Generous slack over the deadline for the answer to arrive; far less than a second capture would take. */
const ANSWER_SLACK_MS = 2000;

/**
 * The request deadline counts from arrival, queue time included: a request
 * that waits in the queue is answered at its own deadline, not at the
 * deadline plus the time its capture would take once it got a slot.
 */
describe('Deadline includes queue time (MAX_CONCURRENT_CAPTURES=1, MAX_QUEUE=1, REQUEST_TIMEOUT_MS=3000)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  const seen = (id: string) =>
    fixture.requests.some((r) => new URL(r.path, 'http://x').searchParams.get('id') === id);
  /** Sends a capture and resolves with its response and the ms from sending to the answer. */
  const timed = (body: object) => {
    const sentAt = Date.now();
    return svc.capture(body).then((res) => ({ res, elapsed: Date.now() - sentAt }));
  };

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/ok', GREEN)
      .route('/slow', (_req, res) => {
        setTimeout(() => {
          if (res.writableEnded || res.destroyed) return;
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end(GREEN);
        }, SLOW_PAGE_MS);
      })
      .start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      MAX_CONCURRENT_CAPTURES: '1',
      MAX_QUEUE: '1',
      REQUEST_TIMEOUT_MS: String(SHORT_TIMEOUT_MS),
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('answers a capture queued behind a slow one at its own deadline (504/503), not at the deadline plus its capture', async () => {
    const first = timed({ url: fixture.url('/slow?id=first'), ...quick });
    expect(await waitFor(() => seen('first'))).toBe(true); // it holds the only slot
    const second = timed({ url: fixture.url('/slow?id=second'), ...quick });

    const { res } = await first;
    expect([200, 504]).toContain(res.status); // done, or cut at its deadline: either way the slot passed on
    const { res: queued, elapsed } = await second;
    // Whatever time was left after the queue was not enough for a 2.5 s page: timed out, never a capture.
    // 504 when it got the slot with a sliver of its budget left; 503 if its deadline passed still queued.
    expect({ status: queued.status, type: queued.body?.error_type }).toEqual(
      queued.status === 503 ? { status: 503, type: 'CapacityError' } : { status: 504, type: 'TimeoutError' },
    );
    // Waited until its deadline, counted from its arrival; with a fresh budget after the queue it would
    // have been answered (200) about SLOW_PAGE_MS after the first finished.
    expect(elapsed).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 500);
    expect(elapsed).toBeLessThan(SHORT_TIMEOUT_MS + ANSWER_SLACK_MS);
  });

  it('answers 503 at its deadline a request that never got a slot, and never lets it reach the browser', async () => {
    // A capture slot held past the queued request's whole budget: only an admission the test holds
    // can outlive it, since every capture is itself cut at REQUEST_TIMEOUT_MS.
    const release = await svc.app.get(Admission).enter(new Deadline(60_000));
    const fallback = setTimeout(release, SHORT_TIMEOUT_MS + ANSWER_SLACK_MS + 2000); // if the queue never gives up
    try {
      const { res, elapsed } = await timed({ url: fixture.url('/ok?id=never-admitted'), ...quick });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'error',
        error_type: 'CapacityError',
        error_details: 'No capture slot became free before the request deadline',
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(elapsed).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 500); // it was queued, not turned away
      expect(elapsed).toBeLessThan(SHORT_TIMEOUT_MS + ANSWER_SLACK_MS);
    } finally {
      clearTimeout(fallback);
      release();
    }
    // The freed slot goes to the next request, not to the one that was answered already.
    const next = await svc.capture({ url: fixture.url('/ok?id=after'), ...quick });
    expect(next.status).toBe(200);
    expect(seen('after')).toBe(true);
    expect(seen('never-admitted')).toBe(false);
  });
});
