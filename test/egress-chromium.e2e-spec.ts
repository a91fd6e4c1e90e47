// Real Chromium launched with chromeProxyArgs(): every way a page can aim at
// a loopback canary must end at the egress proxy, which refuses it, so the
// canary sees no connection at all. Each vector also runs against the
// allow-listed fixture, to show it really fires and the proxy lets allowed
// traffic through (otherwise a zero count would prove nothing).
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { chromeProxyArgs, PROXY_BYPASS_RULES } from '../src/egress/chrome-proxy-args';
import { EgressDecisionEvent, EgressProxy } from '../src/egress/egress-proxy';
import { EgressLookup, NetworkPolicy } from '../src/egress/network-policy';
import {
  Canary,
  closedPort,
  Fixture,
  sleep,
  startCanary,
  startFixture,
  startUdpCanary,
  UdpCanary,
  waitFor,
} from './helpers/egress-servers';

const PASSWD = 'root:x:0:0';

interface Vector {
  name: string;
  /** Makes the page aim at `target` (an http://host:port base), leaving `marker` in the path it requests. */
  run(page: Page, target: string, marker: string): Promise<void>;
}

// The repo's jest config sets testTimeout inside the e2e project, where jest 29 ignores it.
jest.setTimeout(60_000);

// Twice: with the browser-wide proxy flag, and with a proxy per browser
// context as the service runs captures (the browser-wide flag then points at
// a dead port, so anything that did not take the context's proxy fails).
describe.each([
  ['the browser-wide proxy (--proxy-server)', false],
  ["each context's own proxy (createBrowserContext proxyServer), the browser-wide one dead", true],
])('Chromium through the egress proxy: %s', (_mode, perContext) => {
  let browser: Browser;
  let fixture: Fixture;
  let canary: Canary;
  let rebindCanary: Canary;
  let udpCanary: UdpCanary;
  let proxy: EgressProxy;
  let proxyUrl: string;
  const decisions: EgressDecisionEvent[] = [];
  let rebindAnswers = 0;

  // Chrome hands names to the proxy unresolved, so these made-up names only
  // exist here. Everything else (Chrome's own update and account hosts too)
  // fails to resolve: nothing leaves the machine.
  const lookup: EgressLookup = async (host) => {
    if (host === 'fixture.test') return [{ address: '127.0.0.1', family: 4 }];
    if (host === 'rebind.test') {
      return rebindAnswers++ === 0
        ? [{ address: '127.0.0.1', family: 4 }]
        : [{ address: '127.0.0.2', family: 4 }];
    }
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  };

  const canaryDenials = (): EgressDecisionEvent[] =>
    decisions.filter((d) => !d.allowed && d.port === canary.port);

  /** A page of `html` served by the fixture (origin http://127.0.0.1:<fixture port>), opened in `page`. */
  async function openFixturePage(page: Page, id: string, html: string): Promise<void> {
    fixture.page(`/p/${id}`, `<!doctype html><html><body>${html}</body></html>`);
    await page.goto(`${fixture.base}/p/${id}`, { waitUntil: 'load', timeout: 5000 }).catch(() => undefined);
  }

  async function inContext<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    const context = await browser.createBrowserContext(
      // The address taken at start: the last test stops the proxy and still opens contexts on it.
      perContext ? { proxyServer: proxyUrl, proxyBypassList: PROXY_BYPASS_RULES } : {},
    );
    try {
      const page = await context.newPage();
      return await fn(page);
    } finally {
      await context.close();
    }
  }

  /** The HTML of every frame. A frame Chrome blocked has no document to read: it counts as empty after 1 s. */
  async function framesText(page: Page): Promise<string> {
    let text = '';
    for (const frame of page.frames()) {
      const timeout = sleep(1000).then(() => '');
      text += await Promise.race([frame.content().catch(() => ''), timeout]);
    }
    return text;
  }

  beforeAll(async () => {
    fixture = await startFixture();
    canary = await startCanary(['127.0.0.1', '::1']);
    rebindCanary = await startCanary(['127.0.0.2'], fixture.port);
    udpCanary = await startUdpCanary(canary.port);
    proxy = new EgressProxy(new NetworkPolicy({ allow: [`127.0.0.1:${fixture.port}`], deny: [] }), {
      lookup,
      onDecision: (e) => decisions.push(e),
    });
    await proxy.start();
    proxyUrl = proxy.url;
    fixture.route('/worker.js', (req, res) => {
      const target = new URL(req.url ?? '/', 'http://x').searchParams.get('u') ?? '';
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(`fetch(${JSON.stringify(target)}).catch(() => {});`);
    });
    browser = await puppeteer.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        ...chromeProxyArgs(perContext ? `http://127.0.0.1:${await closedPort()}` : proxy.url),
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await Promise.all([fixture?.close(), canary?.close(), rebindCanary?.close(), udpCanary?.close()]);
  });

  afterEach(() => {
    expect({
      canary: canary.connections(),
      canaryPaths: canary.paths,
      rebind: rebindCanary.connections(),
      udp: udpCanary.packets(),
    }).toEqual({ canary: 0, canaryPaths: [], rebind: 0, udp: 0 });
  });

  const page = (html: (target: string, marker: string) => string): Vector['run'] => {
    return async (p, target, marker) => openFixturePage(p, marker, html(target, marker));
  };
  const content = (html: (target: string, marker: string) => string): Vector['run'] => {
    return async (p, target, marker) => {
      await p.setContent(html(target, marker), { timeout: 5000 }).catch(() => undefined);
    };
  };
  const ws = (target: string): string => target.replace(/^http:/, 'ws:');

  const vectors: Vector[] = [
    {
      name: 'a direct navigation',
      run: async (p, t, m) => void (await p.goto(`${t}/m/${m}`).catch(() => undefined)),
    },
    {
      name: 'a 302 redirect from the fixture',
      run: async (p, t, m) =>
        void (await p
          .goto(`${fixture.base}/redirect?status=302&to=${encodeURIComponent(`${t}/m/${m}`)}`)
          .catch(() => undefined)),
    },
    {
      name: 'a 307 redirect from the fixture',
      run: async (p, t, m) =>
        void (await p
          .goto(`${fixture.base}/redirect?status=307&to=${encodeURIComponent(`${t}/m/${m}`)}`)
          .catch(() => undefined)),
    },
    {
      name: 'a meta refresh',
      run: page((t, m) => `<meta http-equiv="refresh" content="0;url=${t}/m/${m}">`),
    },
    { name: 'location.href', run: page((t, m) => `<script>location.href = '${t}/m/${m}';</script>`) },
    { name: 'an img', run: page((t, m) => `<img src="${t}/m/${m}">`) },
    { name: 'an iframe', run: page((t, m) => `<iframe src="${t}/m/${m}"></iframe>`) },
    { name: 'a link stylesheet', run: page((t, m) => `<link rel="stylesheet" href="${t}/m/${m}">`) },
    {
      name: 'fetch',
      run: page((t, m) => `<script>fetch('${t}/m/${m}', { mode: 'no-cors' }).catch(() => {});</script>`),
    },
    {
      name: 'XHR',
      run: page(
        (t, m) => `<script>const x = new XMLHttpRequest(); x.open('GET', '${t}/m/${m}'); x.send();</script>`,
      ),
    },
    {
      name: 'navigator.sendBeacon',
      run: page((t, m) => `<script>navigator.sendBeacon('${t}/m/${m}', 'x');</script>`),
    },
    { name: 'a WebSocket', run: page((t, m) => `<script>new WebSocket('${ws(t)}/m/${m}');</script>`) },
    {
      name: 'a blob Worker doing fetch',
      run: page(
        (t, m) =>
          `<script>new Worker(URL.createObjectURL(new Blob(["fetch('${t}/m/${m}').catch(() => {})"], ` +
          `{ type: 'text/javascript' })));</script>`,
      ),
    },
    {
      name: 'a fixture-served Worker doing fetch',
      run: page(
        (t, m) => `<script>new Worker('/worker.js?u=' + encodeURIComponent('${t}/m/${m}'));</script>`,
      ),
    },
    { name: 'an img in set content', run: content((t, m) => `<img src="${t}/m/${m}">`) },
    { name: 'an iframe in set content', run: content((t, m) => `<iframe src="${t}/m/${m}"></iframe>`) },
    {
      name: 'fetch in set content',
      run: content((t, m) => `<script>fetch('${t}/m/${m}', { mode: 'no-cors' }).catch(() => {});</script>`),
    },
    {
      name: 'a WebSocket in set content',
      run: content((t, m) => `<script>new WebSocket('${ws(t)}/m/${m}');</script>`),
    },
  ];

  describe.each(vectors.map((v, i) => [v.name, v, i] as const))('%s', (_name, vector, index) => {
    it('reaches the allowed fixture through the proxy', async () => {
      const marker = `v${index}-allowed`;
      await inContext(async (p) => {
        await vector.run(p, fixture.base, marker);
        const reached = await waitFor(() => fixture.paths().some((path) => path.includes(`/m/${marker}`)));
        expect({ reached, paths: fixture.paths().filter((path) => path.includes(marker)) }).toMatchObject({
          reached: true,
        });
      });
      expect(decisions).toContainEqual(expect.objectContaining({ port: fixture.port, allowed: true }));
    });

    it('never reaches the canary: the proxy refuses it', async () => {
      const marker = `v${index}-denied`;
      const before = canaryDenials().length;
      await inContext(async (p) => {
        await vector.run(p, `http://127.0.0.1:${canary.port}`, marker);
        // The vector did fire: the proxy saw it and said no.
        expect(await waitFor(() => canaryDenials().length > before)).toBe(true);
        await sleep(300);
      });
      expect(proxy.wasDenied('127.0.0.1', 0)).toBe(true);
    });
  });

  it('sends every spelling of loopback to the proxy, which refuses them all', async () => {
    const hosts = [
      '127.0.0.1',
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '127.1',
      '[::ffff:127.0.0.1]',
      '[::1]',
      'localhost',
      'LOCALHOST',
      'api.localhost',
      '0.0.0.0',
      '[::]',
    ];
    const since = Date.now();
    await inContext(async (p) => {
      await openFixturePage(
        p,
        'spellings',
        hosts.map((h, i) => `<img src="http://${h}:${canary.port}/m/spelling-${i}">`).join(''),
      );
      // Chrome canonicalises most of them itself; what reaches the proxy:
      const expected = ['127.0.0.1', '::ffff:7f00:1', '::1', 'localhost', 'api.localhost', '0.0.0.0', '::'];
      const seen = (): string[] => [...new Set(proxy.recentDenials(since).map((d) => d.host))];
      await waitFor(() => expected.every((h) => seen().includes(h)));
      expect(seen().sort()).toEqual([...expected].sort());
      await sleep(300);
    });
  });

  it('sends link-local targets (cloud metadata) to the proxy too, not directly', async () => {
    const since = Date.now();
    await inContext(async (p) => {
      await openFixturePage(
        p,
        'link-local',
        '<img src="http://169.254.169.254/latest/meta-data/"><img src="http://[fe80::1]/x">' +
          '<script>fetch("http://169.254.169.254/computeMetadata/v1/", { mode: "no-cors" }).catch(() => {});</script>',
      );
      const seen = (): string[] => proxy.recentDenials(since).map((d) => d.host);
      await waitFor(() => seen().includes('169.254.169.254') && seen().includes('fe80::1'));
      expect(seen()).toEqual(expect.arrayContaining(['169.254.169.254', 'fe80::1']));
      expect(proxy.recentDenials(since).find((d) => d.host === '169.254.169.254')?.reason).toMatch(
        /link-local/,
      );
    });
  });

  it('leaves name resolution to the proxy (made-up names resolve only through its lookup)', async () => {
    await inContext(async (p) => {
      const res = await p.goto(`http://fixture.test:${fixture.port}/m/by-name`);
      expect(res?.status()).toBe(200);
      expect(await p.evaluate(() => document.body.textContent)).toBe('fixture /m/by-name');
    });
  });

  it('cannot be rebound: each request connects to the address the proxy checked', async () => {
    rebindAnswers = 0;
    await inContext(async (p) => {
      // First answer 127.0.0.1 (allowed), every later one 127.0.0.2, where a
      // canary listens on the very same port.
      const first = await p.goto(`http://rebind.test:${fixture.port}/m/rebind-0`);
      expect(first?.status()).toBe(200);
      await p.evaluate(async (port) => {
        for (let i = 1; i <= 5; i++) {
          await fetch(`http://rebind.test:${port}/m/rebind-${i}`, { cache: 'no-store' }).catch(
            () => undefined,
          );
        }
      }, fixture.port);
    });
    expect(fixture.paths()).toContain('/m/rebind-0');
    expect(rebindAnswers).toBeGreaterThanOrEqual(2);
    expect(decisions).toContainEqual(
      expect.objectContaining({
        host: 'rebind.test',
        port: fixture.port,
        allowed: false,
        address: '127.0.0.2',
      }),
    );
  });

  it('sends nothing over UDP for WebRTC (STUN, TURN) and gathers no candidates', async () => {
    const before = canaryDenials().length;
    const candidates = await inContext(async (p) => {
      await openFixturePage(p, 'webrtc', '');
      return p.evaluate(async (port) => {
        const found: string[] = [];
        const pc = new RTCPeerConnection({
          iceServers: [
            { urls: `stun:127.0.0.1:${port}` },
            { urls: `turn:127.0.0.1:${port}?transport=udp`, username: 'u', credential: 'p' },
            { urls: `turn:127.0.0.1:${port}?transport=tcp`, username: 'u', credential: 'p' },
          ],
        });
        pc.onicecandidate = (e) => {
          if (e.candidate?.candidate) found.push(e.candidate.candidate);
        };
        pc.createDataChannel('leak');
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise((resolve) => setTimeout(resolve, 2000));
        pc.close();
        return found;
      }, canary.port);
    });
    expect(candidates).toEqual([]);
    // TURN over TCP is the one WebRTC path allowed through the proxy: it came as a CONNECT and was refused.
    expect(canaryDenials().slice(before)).toContainEqual(expect.objectContaining({ kind: 'connect' }));
  });

  it('refuses WebTransport (HTTP/3 over UDP) outright: Chrome does not take it through a proxy', async () => {
    const outcome = await inContext(async (p) => {
      // A secure context (http://127.0.0.1 is one), or WebTransport is not defined.
      await openFixturePage(p, 'webtransport', '');
      return p.evaluate(async (port) => {
        try {
          const wt = new WebTransport(`https://127.0.0.1:${port}/wt`);
          await wt.ready;
          return 'connected';
        } catch (e) {
          return String(e);
        }
      }, canary.port);
    });
    // Without the proxy flags Chrome sends QUIC packets straight to the
    // canary's UDP port; with them it fails (ERR_TUNNEL_CONNECTION_FAILED)
    // before sending anything anywhere. afterEach checks the UDP count.
    expect(outcome).toMatch(/WebTransportError/);
    await sleep(300);
  });

  describe('file: URLs', () => {
    it('the check below can see /etc/passwd when Chrome does load it (direct navigation, which the API refuses)', async () => {
      await inContext(async (p) => {
        await p.goto('file:///etc/passwd');
        expect(await framesText(p)).toContain(PASSWD);
      });
    });

    it.each([
      [
        'an iframe in set content',
        (p: Page) =>
          p.setContent('<iframe src="file:///etc/passwd"></iframe>', { waitUntil: 'domcontentloaded' }),
      ],
      [
        'an iframe in a fixture page',
        (p: Page) => openFixturePage(p, 'file-iframe', '<iframe src="file:///etc/passwd"></iframe>'),
      ],
      [
        'location.href in set content',
        (p: Page) =>
          p.setContent("<script>location.href = 'file:///etc/passwd';</script>", {
            waitUntil: 'domcontentloaded',
          }),
      ],
      [
        'location.href in a fixture page',
        (p: Page) =>
          openFixturePage(p, 'file-location', "<script>location.href = 'file:///etc/passwd';</script>"),
      ],
      [
        'a redirect from the fixture',
        (p: Page) =>
          p.goto(`${fixture.base}/redirect?status=302&to=${encodeURIComponent('file:///etc/passwd')}`),
      ],
    ])('cannot be loaded by %s', async (_name, load) => {
      await inContext(async (p) => {
        await load(p).catch(() => undefined);
        await sleep(500);
        expect(await framesText(p)).not.toContain(PASSWD);
        expect(p.frames().map((f) => f.url())).not.toContain('file:///etc/passwd');
      });
    });
  });

  // Last: it stops the proxy.
  it('fails closed when the proxy is gone: no direct connection', async () => {
    await proxy.stop();
    await inContext(async (p) => {
      await expect(p.goto(`http://127.0.0.1:${canary.port}/m/proxy-down`)).rejects.toThrow(
        /ERR_PROXY_CONNECTION_FAILED/,
      );
      await p
        .setContent(`<img src="http://localhost:${canary.port}/m/proxy-down-img">`)
        .catch(() => undefined);
      await sleep(300);
    });
  });
});
