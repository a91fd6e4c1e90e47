import { freePort as closedPort } from './helpers/ports';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp } from './helpers/app';

const expectEnvelope = (body: any, errorType: string) => {
  expect(body).toMatchObject({ status: 'error', error_type: errorType });
  expect(typeof body.message).toBe('string');
  expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  expect(body.request_id).toEqual(expect.any(String));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+/); // no stack trace
};

describe('POST /capture: every error leaves in the envelope', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/ok', '<h1 id="x">ok</h1>')
      .route('/missing', (_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<h1>gone</h1>');
      })
      .route('/slow', (_req, res) => {
        const answer = setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<h1>slow</h1>');
        }, 2500);
        // The 504 test's browser gives up first: a timer left behind outlives the spec.
        res.on('close', () => clearTimeout(answer));
      })
      .start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      MAX_HTML_BYTES: '4096',
      MAX_CONCURRENT_CAPTURES: '1',
      MAX_QUEUE: '0',
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it('400 on malformed JSON, as JSON not HTML', async () => {
    const res = await svc.http().post('/capture').set('Content-Type', 'application/json').send('{"url": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectEnvelope(res.body, 'ValidationError');
    expect(res.body.message).toBe('Invalid request parameters');
  });

  it('400 when neither url nor html_content is given', async () => {
    const res = await svc.capture({ format: 'png' });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 'ValidationError');
    expect(res.body.error_details).toContain('Either url or html_content must be provided');
  });

  it('400 when both targets are given', async () => {
    const res = await svc.capture({ url: fixture.url('/ok'), html_content: '<p>x</p>' });
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('only one of url or html_content');
  });

  it('400 naming every problem, unknown fields included', async () => {
    const res = await svc.capture({
      url: fixture.url('/ok'),
      fullpage: true,
      window_width: 0,
      format: 'gif',
      pixel_density: 9,
      interactions: [{ action: 'dance' }],
    });
    expect(res.status).toBe(400);
    const details: string = res.body.error_details;
    expect(details).toContain('unknown field "fullpage"');
    expect(details).toContain('window_width');
    expect(details).toContain('format');
    expect(details).toContain('pixel_density');
    expect(details).toContain('interactions.0.action');
  });

  it.each([
    'file:///etc/passwd',
    'FILE:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<h1>x</h1>',
    'view-source:http://example.com',
    'chrome://version',
    'ftp://example.com/x',
    'ws://example.com/',
    'http://user:pass@example.com/',
    'http://exa\u0000mple.com/',
    'not a url',
  ])('400 for the url %j', async (url) => {
    const res = await svc.capture({ url });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 'ValidationError');
  });

  it('400 for a url over 2048 characters', async () => {
    const res = await svc.capture({ url: `https://example.com/${'a'.repeat(2048)}` });
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('url must be shorter than or equal to 2048 characters');
  });

  it('400 when html_content is over MAX_HTML_BYTES', async () => {
    const res = await svc.capture({ html_content: 'x'.repeat(5000) });
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('html_content must be at most 4096 bytes');
  });

  it('413 PayloadTooLargeError when the body is over the limit', async () => {
    const res = await svc.capture({ html_content: 'x'.repeat(400 * 1024) });
    expect(res.status).toBe(413);
    expectEnvelope(res.body, 'PayloadTooLargeError');
  });

  it('400 when wait_for_timeout is over MAX_WAIT_TIMEOUT_MS', async () => {
    const res = await svc.capture({ url: fixture.url('/ok'), wait_for_timeout: 10_000_000 });
    expect(res.status).toBe(400);
    expect(res.body.error_details).toContain('wait_for_timeout must not be greater than 120000');
  });

  it('422 ElementNotFoundError when the selector matches nothing', async () => {
    const res = await svc.capture({ url: fixture.url('/ok'), selector: '#nope', wait_for_network: 'none' });
    expect(res.status).toBe(422);
    expectEnvelope(res.body, 'ElementNotFoundError');
    expect(res.body.error_details).toContain('#nope');
  });

  it('502 NavigationError when the connection is refused', async () => {
    const port = await closedPort();
    const local = await startApp({ NETWORK_ALLOW: `127.0.0.1:${port}` });
    try {
      const res = await local.capture({ url: `http://127.0.0.1:${port}/` });
      expect(res.status).toBe(502);
      expectEnvelope(res.body, 'NavigationError');
      expect(res.body.error_details).toMatch(/refused|ERR_CONNECTION_REFUSED/);
    } finally {
      await local.close();
    }
  });

  it('captures an error page by default but answers 502 with fail_on_http_error', async () => {
    const plain = await svc.capture({ url: fixture.url('/missing'), wait_for_network: 'none' });
    expect(plain.status).toBe(200);
    expect(plain.headers['x-target-status']).toBe('404');
    const strict = await svc.capture({ url: fixture.url('/missing'), fail_on_http_error: true });
    expect(strict.status).toBe(502);
    expectEnvelope(strict.body, 'NavigationError');
    expect(strict.body.error_details).toContain('404');
  });

  it('503 CapacityError with Retry-After when every slot is busy and the queue is full', async () => {
    const slow = svc.capture({ url: fixture.url('/slow'), wait_for_network: 'none' }).then((r) => r);
    await new Promise((r) => setTimeout(r, 500));
    const rejected = await svc.capture({ url: fixture.url('/ok') });
    expect(rejected.status).toBe(503);
    expectEnvelope(rejected.body, 'CapacityError');
    expect(Number(rejected.headers['retry-after'])).toBeGreaterThan(0);
    expect(rejected.body.retry_after).toBeGreaterThan(0);
    expect((await slow).status).toBe(200);
  });

  it('504 TimeoutError when the page does not load within wait_for_timeout', async () => {
    const res = await svc.capture({ url: fixture.url('/slow'), wait_for_timeout: 800 });
    expect(res.status).toBe(504);
    expectEnvelope(res.body, 'TimeoutError');
  });

  it('404 in the envelope for an unknown route', async () => {
    const res = await svc.http().get('/nope');
    expect(res.status).toBe(404);
    expectEnvelope(res.body, 'NotFoundError');
  });

  it('keeps the caller X-Request-Id', async () => {
    const res = await svc.http().post('/capture').set('X-Request-Id', 'abc-123').send({});
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.body.request_id).toBe('abc-123');
  });
});
