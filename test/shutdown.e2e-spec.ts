import { ServerResponse } from 'node:http';
import { FixtureServer } from './helpers/fixture-server';
import { chromeProcessesOf, waitFor } from './helpers/app';
import { pngSize } from './helpers/images';
import { descendantsOf, poolIdOf } from './helpers/processes';
import { ensureBuilt, ServiceProcess, spawnService } from './helpers/service-process';

const QUICK = { window_width: 320, window_height: 240, wait_for_network: 'none' };

/** The pool id marking the child's Chrome processes, read from a process under the child. */
function poolOf(svc: ServiceProcess): string {
  const marked = descendantsOf(svc.child.pid!)
    .map(poolIdOf)
    .find((id) => id);
  if (!marked) throw new Error('no Chrome process under the service');
  return marked;
}

/**
 * SIGTERM to the built service, as Kubernetes sends it: readiness drops at
 * once, new captures are refused, the running one finishes, browsers close,
 * exit code 0, and no Chrome process is left.
 */
describe('Graceful shutdown (node dist/main.js, SIGTERM)', () => {
  let fixture: FixtureServer;
  const seen: string[] = [];
  const held = new Map<string, ServerResponse>();
  const services: ServiceProcess[] = [];

  const release = (id: string) => {
    const res = held.get(id);
    res?.writeHead(200, { 'Content-Type': 'text/html' });
    res?.end('<h1>done</h1>');
  };

  beforeAll(async () => {
    await ensureBuilt();
    fixture = await new FixtureServer()
      .route('/hold', (req, res) => {
        const id = new URL(req.url ?? '', 'http://x').searchParams.get('id') ?? '';
        seen.push(id);
        held.set(id, res);
      })
      .start();
  });

  afterAll(async () => {
    services.forEach((svc) => svc.kill());
    await fixture?.stop();
  });

  const start = async (env: Record<string, string>) => {
    const svc = await spawnService({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}`, LOG_LEVEL: 'warn', ...env });
    services.push(svc);
    return svc;
  };

  it('goes unready and refuses new captures at once, lets the running capture finish, exits 0 without Chrome', async () => {
    const svc = await start({ SHUTDOWN_GRACE_MS: '60000' });
    const running = svc
      .http()
      .post('/capture')
      .send({ url: fixture.url('/hold?id=in-flight'), ...QUICK })
      .then((r) => r);
    expect(await waitFor(() => seen.includes('in-flight'))).toBe(true);
    const pool = poolOf(svc);
    expect(chromeProcessesOf(pool).length).toBeGreaterThan(0);

    svc.child.kill('SIGTERM');
    // All of this happens while the capture is still held by the fixture.
    expect(
      await waitFor(async () => {
        const ready = await svc.http().get('/health/ready');
        return ready.status === 503 && ready.body.details?.shutdown?.status === 'down';
      }),
    ).toBe(true);
    expect((await svc.http().get('/health/live')).status).toBe(200);
    const refused = await svc
      .http()
      .post('/capture')
      .send({ html_content: '<p>late</p>', ...QUICK });
    expect(refused.status).toBe(503);
    expect(refused.body.error_type).toBe('CapacityError');
    expect(refused.body.error_details).toContain('shutting down');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(svc.child.exitCode).toBeNull();

    release('in-flight');
    const done = await running;
    expect(done.status).toBe(200);
    expect(pngSize(done.body)).toEqual({ width: 320, height: 240 });

    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => chromeProcessesOf(pool).length === 0, 10_000)).toBe(true);
  });

  it('cuts captures still running when SHUTDOWN_GRACE_MS runs out, and still exits 0 without Chrome', async () => {
    const svc = await start({ SHUTDOWN_GRACE_MS: '1000' });
    const running = svc
      .http()
      .post('/capture')
      .send({ url: fixture.url('/hold?id=never-released'), ...QUICK })
      .then(
        (r) => ({ status: r.status }),
        (err: Error) => ({ error: err.message }),
      );
    expect(await waitFor(() => seen.includes('never-released'))).toBe(true);
    const pool = poolOf(svc);

    svc.child.kill('SIGTERM');
    // The fixture never answers: only the grace period can end this capture and the process.
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(await running).toEqual({ error: expect.stringMatching(/socket hang up|ECONNRESET/) });
    expect(await waitFor(() => chromeProcessesOf(pool).length === 0, 10_000)).toBe(true);
  });

  it('exits 0 at once on SIGTERM when idle', async () => {
    const svc = await start({});
    const pool = poolOf(svc);
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => chromeProcessesOf(pool).length === 0, 10_000)).toBe(true);
  });
});
