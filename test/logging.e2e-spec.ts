import { FixtureServer } from './helpers/fixture-server';
import { waitFor } from './helpers/app';
import { ensureBuilt, ServiceProcess, spawnService } from './helpers/service-process';

const TOKEN = 'secret-token-123-logging-spec-xxxxx';
const SIGNATURE = 'sig-secret-456';
const COOKIE = 'cookie-secret-789';
const QUICK = { window_width: 320, window_height: 240, wait_for_network: 'none' };

/**
 * The logs of the built service on its real stdout: one JSON line per
 * request, correlated by X-Request-Id, secrets never written.
 */
describe('Logs (node dist/main.js stdout)', () => {
  let fixture: FixtureServer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    fixture = await new FixtureServer().page('/ok', '<h1>logged</h1>').start();
  });

  afterAll(async () => {
    services.forEach((svc) => svc.kill());
    await fixture?.stop();
  });

  it('writes one JSON line per request with id, method, path, status, duration, format and host; no secrets', async () => {
    const svc = await spawnService({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      LOG_LEVEL: 'info',
      AUTH_TOKEN: TOKEN,
    });
    services.push(svc);

    const captured = await svc
      .http()
      .post('/capture')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Cookie', `session=${COOKIE}`)
      .set('X-Request-Id', 'log-spec-post')
      .send({ url: fixture.url('/ok?private=query'), format: 'jpeg', ...QUICK });
    expect(captured.status).toBe(200);
    expect(captured.headers['x-request-id']).toBe('log-spec-post');

    const expires = Math.floor(Date.now() / 1000) + 600;
    await svc
      .http()
      .get(`/capture?url=${encodeURIComponent(fixture.url('/ok'))}&expires=${expires}&signature=${SIGNATURE}`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('X-Request-Id', 'log-spec-get');
    const malformed = await svc
      .http()
      .post('/capture')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'log-spec-bad-json')
      .send('{"url": ');
    expect(malformed.status).toBe(400);
    expect((await svc.http().get('/health/ready')).status).toBe(200);
    expect((await svc.http().get('/metrics')).status).toBe(200);

    const lineOf = (id: string) => svc.jsonLines().find((l) => l.request_id === id && 'status' in l);
    expect(
      await waitFor(
        () => !!lineOf('log-spec-post') && !!lineOf('log-spec-get') && !!lineOf('log-spec-bad-json'),
      ),
    ).toBe(true);

    expect(lineOf('log-spec-post')).toEqual(
      expect.objectContaining({
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        request_id: 'log-spec-post',
        method: 'POST',
        path: '/capture',
        status: 200,
        duration_ms: expect.any(Number),
        format: 'jpeg',
        target_host: '127.0.0.1',
        msg: 'request completed',
      }),
    );
    expect(lineOf('log-spec-get')).toEqual(expect.objectContaining({ method: 'GET', path: '/capture' }));
    expect(lineOf('log-spec-bad-json')).toEqual(
      expect.objectContaining({ status: 400, error_type: 'ValidationError', path: '/capture' }),
    );
    // Exactly one line per request.
    expect(svc.jsonLines().filter((l) => l.request_id === 'log-spec-post' && 'status' in l)).toHaveLength(1);
    // Probes and scrapes are not logged at info.
    expect(svc.jsonLines().some((l) => /^\/(health|metrics)/.test(String(l.path)))).toBe(false);

    const stdout = svc.lines.join('\n');
    expect(stdout).not.toContain(TOKEN);
    expect(stdout).not.toContain(SIGNATURE);
    expect(stdout).not.toContain(COOKIE);
    expect(stdout).not.toContain('private=query');
    // Every line is structured, Nest's own start-up lines included.
    expect(svc.lines.filter((l) => l.trim()).every((l) => l.startsWith('{') && JSON.parse(l).level)).toBe(
      true,
    );

    svc.child.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
  });

  it('honours LOG_LEVEL and pretty-prints under NODE_ENV=development', async () => {
    const svc = await spawnService({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      CHROME_PATH: '/bin/false', // no browser can start: the capture below fails with 503
      BROWSER_POOL_MIN: '0',
      BROWSER_LAUNCH_TIMEOUT_MS: '2000',
    });
    services.push(svc);
    expect((await svc.http().get('/health/live').set('X-Request-Id', 'quiet-probe')).status).toBe(200);
    const failed = await svc
      .http()
      .post('/capture')
      .set('X-Request-Id', 'pretty-503')
      .send({ html_content: '<p>x</p>' });
    expect(failed.status).toBe(503);

    const accessLine = () => svc.lines.find((l) => l.includes('pretty-503') && l.includes('request failed'));
    expect(await waitFor(() => !!accessLine())).toBe(true);
    const line = accessLine()!;
    expect(line).toMatch(/ERROR/);
    expect(line).toContain('"status":503');
    expect(line.startsWith('{')).toBe(false); // pretty, not JSON
    // info and below stay out at LOG_LEVEL=warn: no start-up chatter, no 200 lines.
    expect(svc.lines.some((l) => l.includes('quiet-probe') || l.includes('listening on'))).toBe(false);

    svc.child.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
  });
});
