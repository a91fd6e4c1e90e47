// Hostile upstreams through POST /capture: a raw TCP server answers each
// malformed variant (see helpers/evil-upstream), as the main document and as
// an <img> inside html_content. Each case: answered within its deadline,
// never a 500, the service and its egress proxy process still up, and the
// next ordinary capture works. Then the proxy process is killed under a
// capture, and two concurrent captures show that one's refusal is not the
// other's 403.
import { EgressService } from '../src/egress/egress.service';
import { startApp, TestApp, waitFor } from './helpers/app';
import { closedPort } from './helpers/egress-servers';
import { EVIL_VARIANTS, EvilUpstream, startEvilUpstream } from './helpers/evil-upstream';
import { FixtureServer } from './helpers/fixture-server';
import { metricValue } from './helpers/metrics';

const WAIT_MS = 4000;
/** The API answers within wait_for_timeout plus render and teardown; generous, the machine is shared. */
const DEADLINE_MS = WAIT_MS + 20_000;
/** Variants after which a page never finishes loading: a timeout is their honest answer. */
const NEVER_LOADS = new Set(['silent', 'endless']);

describe('Hostile upstreams through POST /capture', () => {
  let evil: EvilUpstream;
  let fixture: FixtureServer;
  let svc: TestApp;
  let egress: EgressService;
  let closed: number;
  let proxyPid: number | undefined;

  beforeAll(async () => {
    evil = await startEvilUpstream();
    fixture = await new FixtureServer().start();
    closed = await closedPort();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${evil.port},127.0.0.1:${fixture.port},127.0.0.1:${closed}`,
    });
    egress = svc.app.get(EgressService);
    proxyPid = egress.proxyPid;
  });

  afterAll(async () => {
    await svc?.close();
    await evil?.close();
    await fixture?.stop();
  });

  /** The service is up, the proxy process is the one it started with, and an ordinary capture works. */
  async function expectStillServing(): Promise<void> {
    expect({ pid: egress.proxyPid, restarts: egress.proxyRestarts }).toEqual({ pid: proxyPid, restarts: 0 });
    const ok = await svc.capture({ url: evil.url('ok'), format: 'html', wait_for_network: 'none' });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toContain('fine');
  }

  async function timedCapture(body: object) {
    const started = Date.now();
    const res = await svc.capture({
      format: 'html',
      wait_for_network: 'none',
      wait_for_timeout: WAIT_MS,
      ...body,
    });
    return { res, ms: Date.now() - started };
  }

  const variants = Object.keys(EVIL_VARIANTS);

  it.each(variants)(
    'main document answering %s: a clean 4xx/5xx or the page, never a 500',
    async (variant) => {
      const { res, ms } = await timedCapture({ url: evil.url(variant) });
      expect(ms).toBeLessThan(DEADLINE_MS);
      expect(res.status).not.toBe(500);
      if (res.status !== 200) {
        expect({ status: res.status, type: res.body.error_type }).toEqual(
          expect.objectContaining({
            type: res.status === 504 ? 'TimeoutError' : 'NavigationError',
          }),
        );
        expect([502, 504]).toContain(res.status);
      }
      if (/^status-(099|000|600|999|1xx-final)$/.test(variant)) {
        // The answer Node's own server code would have thrown on: the proxy's 502, the API's NavigationError.
        expect(res.status).toBe(502);
        expect(res.body.error_details).toMatch(/malformed answer/);
      }
      await expectStillServing();
    },
  );

  it.each(variants)('an <img> in html_content answering %s: the page still renders', async (variant) => {
    const { res, ms } = await timedCapture({
      html_content: `<!doctype html><h1>page</h1><img src="${evil.url(variant)}">`,
    });
    expect(ms).toBeLessThan(DEADLINE_MS);
    if (NEVER_LOADS.has(variant) && res.status === 504) {
      expect(res.body.error_type).toBe('TimeoutError');
    } else {
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('<h1>page</h1>');
    }
    await expectStillServing();
  });

  it('a killed proxy process: the capture under it gets a clean 502, the next works, the restart is counted', async () => {
    const seen = evil.paths.length;
    const started = Date.now();
    // .then() sends it now (a supertest request waits for its first then).
    const pending = svc
      .capture({
        html_content: `<!doctype html><h1>page</h1><img src="${evil.url('silent')}">`,
        format: 'html',
        wait_for_timeout: 30_000,
      })
      .then((r) => r);
    expect(await waitFor(() => evil.paths.slice(seen).includes('/silent'), 20_000)).toBe(true);
    process.kill(egress.proxyPid!, 'SIGKILL');

    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      error_type: 'NavigationError',
      error_details: expect.stringMatching(/proxy restarted/),
    });
    expect(Date.now() - started).toBeLessThan(25_000); // not the 30 s wait: the kill ended it

    expect(await waitFor(() => egress.proxyReady && egress.proxyPid !== proxyPid, 30_000)).toBe(true);
    const metrics = await svc.http().get('/metrics');
    expect(metricValue(metrics.text, 'pixashot_egress_proxy_restarts_total')).toBe(1);
    proxyPid = egress.proxyPid;
    const ok = await svc.capture({ url: evil.url('ok'), format: 'html', wait_for_network: 'none' });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toContain('fine');
  });

  describe('two concurrent captures: each answers for its own refusals', () => {
    let release: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));

    beforeAll(() => {
      // B's target holds its answer until A is done, then redirects to an allowed https port nobody listens on.
      fixture.route('/hold-then-redirect', (_req, res) => {
        void held.then(() => {
          res.writeHead(302, { Location: `https://127.0.0.1:${closed}/` });
          res.end();
        });
      });
      fixture.route('/redirect-to-metadata', (_req, res) => {
        res.writeHead(302, { Location: 'https://169.254.169.254/latest/meta-data/' });
        res.end();
      });
    });

    it("B's failed tunnel stays a 502 while A's refused one happened during it", async () => {
      const b = svc
        .capture({ url: fixture.url('/hold-then-redirect'), format: 'html', wait_for_timeout: 30_000 })
        .then((r) => r);
      expect(await waitFor(() => fixture.hits('/hold-then-redirect').length === 1, 20_000)).toBe(true);
      const during = Date.now();
      // A: its <img> on the cloud metadata address is refused by the proxy (a CONNECT, as Chrome sends https).
      const a = await svc.capture({
        html_content: '<!doctype html><h1>A</h1><img src="https://169.254.169.254/latest/meta-data/x.png">',
        format: 'html',
      });
      expect(a.status).toBe(200);
      expect(egress.recentDenials(during).map((d) => d.host)).toContain('169.254.169.254');
      release();

      // B's redirect hop fails as a tunnel (ERR_TUNNEL_CONNECTION_FAILED) for want of a listener, not a policy refusal.
      const res = await b;
      expect({ status: res.status, type: res.body.error_type }).toEqual({
        status: 502,
        type: 'NavigationError',
      });
    });

    it('a redirect refused for the capture itself is still its 403', async () => {
      const res = await svc.capture({ url: fixture.url('/redirect-to-metadata'), format: 'html' });
      expect({ status: res.status, type: res.body.error_type }).toEqual({
        status: 403,
        type: 'BlockedTargetError',
      });
    });
  });
});
