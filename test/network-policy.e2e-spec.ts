import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Canary, Fixture, startCanary, startFixture } from './helpers/egress-servers';
import { wrappedChrome } from './helpers/chrome-wrapper';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp, waitFor } from './helpers/app';

/**
 * Pages that reach for the canary from where a request-level check is easy to
 * miss: a service worker (its install step, its fetch handler, and requests
 * it passes through), and a cross-site iframe doing fetch, an <img> and a
 * WebSocket. The pages live on 127.0.0.2 and the frame on 127.0.0.1: two
 * sites, so with site isolation Chrome runs the frame in a process of its own
 * (the headless shell the service runs isolates no sites by default: the
 * last block of this file runs it with --site-per-process too). The top page
 * is kept off the canary's host 127.0.0.1 on purpose: see the skipped test on
 * same-host denials below. Both pages end by adding #done, so a capture waits
 * for them.
 */
const serviceWorkerScript = (canary: string) => `
const CANARY = ${JSON.stringify(canary)};
let installed = 'install-pending';
self.addEventListener('install', (event) => {
  self.skipWaiting();
  event.waitUntil(fetch(CANARY + '/sw-install', { mode: 'no-cors' }).then(
    () => { installed = 'install-fetch-answered'; },
    () => { installed = 'install-fetch-refused'; },
  ));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const path = new URL(event.request.url).pathname;
  if (path === '/sw-status') return event.respondWith(new Response(installed));
  if (path === '/through-sw') {
    return event.respondWith(fetch(CANARY + '/sw-fetch', { mode: 'no-cors' }).then(
      () => new Response('sw-fetch-answered'),
      () => new Response('sw-fetch-refused'),
    ));
  }
  event.respondWith(fetch(event.request)); // everything else, the canary too, goes out from the worker
});`;

const serviceWorkerPage = (canary: string) => `<!doctype html><html><body><pre id="out"></pre><script>
const out = [];
const note = (s) => { out.push(s); document.getElementById('out').textContent = out.join(' '); };
(async () => {
  try {
    await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
    note('controlled');
    note(await (await fetch('/sw-status')).text());
    note(await (await fetch('/through-sw')).text());
    await fetch(${JSON.stringify(canary + '/sw-passthrough')}, { mode: 'no-cors' })
      .then(() => note('passthrough-answered'), () => note('passthrough-refused'));
  } catch (e) {
    note('error ' + e);
  }
  const done = document.createElement('p');
  done.id = 'done';
  done.textContent = 'done';
  document.body.appendChild(done);
})();
</script></body></html>`;

const crossSiteFramePage = (canary: string) => `<!doctype html><html><body><script>
const C = ${JSON.stringify(canary)};
const settle = (p) => Promise.race([p, new Promise((r) => setTimeout(() => r('timeout'), 4000))]);
const fetched = fetch(C + '/frame-fetch', { mode: 'no-cors' }).then(() => 'fetch-answered', () => 'fetch-refused');
const image = new Promise((r) => {
  const img = document.createElement('img');
  img.onload = () => r('img-loaded');
  img.onerror = () => r('img-error');
  img.src = C + '/frame-img.png';
  document.body.appendChild(img);
});
const socket = new Promise((r) => {
  try {
    const ws = new WebSocket(C.replace('http:', 'ws:') + '/frame-ws');
    ws.onmessage = (m) => r('ws-message ' + m.data);
    ws.onerror = () => r('ws-refused');
    ws.onclose = () => r('ws-closed');
  } catch (e) {
    r('ws-threw');
  }
});
let parentReadable = true;
try { void parent.document.title; } catch (e) { parentReadable = false; }
Promise.all([fetched, image, socket].map(settle)).then((results) =>
  parent.postMessage({ results, parentReadable }, '*'));
</script></body></html>`;

const frameHostPage = (frameUrl: string) => `<!doctype html><html><body><pre id="out"></pre>
<iframe src="${frameUrl}"></iframe><script>
window.addEventListener('message', (e) => {
  document.getElementById('out').textContent = JSON.stringify({ origin: e.origin, ...e.data });
  const done = document.createElement('p');
  done.id = 'done';
  done.textContent = 'done';
  document.body.appendChild(done);
});
</script></body></html>`;

/**
 * Routes of the two scenarios aimed at `canary`, under `prefix`: the pages on
 * `pageSite` (127.0.0.2), the frame on `frameSite` (127.0.0.1).
 */
function serveScenarios(pageSite: Fixture, frameSite: FixtureServer, canary: string, prefix = ''): void {
  pageSite.page(`${prefix}/sw-page`, serviceWorkerPage(canary));
  pageSite.route(`${prefix}/sw.js`, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    res.end(serviceWorkerScript(canary));
  });
  pageSite.page(`${prefix}/frame-host`, frameHostPage(frameSite.url(`${prefix}/frame`)));
  frameSite.page(`${prefix}/frame`, crossSiteFramePage(canary));
}

/** A CHROME_PATH that runs the service's own Chromium with site isolation on. */
const siteIsolatedChrome = (dir: string): string => wrappedChrome(dir, { args: ['--site-per-process'] });

/** Waits for the page's own #done, so the worker and the frame have finished before the capture. */
const scenarioCapture = (svc: TestApp, url: string) =>
  svc.capture({
    url,
    format: 'html',
    wait_for_network: 'none',
    wait_for_selector: '#done',
    wait_for_timeout: 15000,
  });

/** The text a scenario page wrote into its <pre id="out">. */
const outText = (html: string) =>
  (/<pre id="out">([^<]*)<\/pre>/.exec(html)?.[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** What the frame host page says its cross-site frame got. */
const frameReport = (html: string) =>
  JSON.parse(outText(html)) as { origin: string; results: string[]; parentReadable: boolean };

/**
 * The network policy seen through the API: a canary on a loopback port that is
 * not allow-listed counts every connection, and must count none, whatever the
 * request or the page does. The fixture server's port is allowed.
 */
describe('Network policy through POST /capture (real Chromium behind the egress proxy)', () => {
  let canary: Canary;
  let fixture: FixtureServer;
  /** A second allowed server, on 127.0.0.2: another site than the fixture, for an out-of-process iframe. */
  let otherSite: Fixture;
  let svc: TestApp;
  const canaryUrl = (host = '127.0.0.1', path = '/') => `http://${host}:${canary.port}${path}`;

  beforeAll(async () => {
    canary = await startCanary(['127.0.0.1', '::1']);
    const to = (path: string) => canaryUrl('127.0.0.1', path);
    fixture = await new FixtureServer()
      .page('/ok', '<h1>allowed</h1>')
      .route('/r302', (_req, res) => {
        res.writeHead(302, { Location: to('/from-302') });
        res.end();
      })
      .route('/r307', (_req, res) => {
        res.writeHead(307, { Location: to('/from-307') });
        res.end();
      })
      .page('/meta', `<meta http-equiv="refresh" content="0;url=${to('/from-meta')}"><p>meta</p>`)
      .page('/script', `<p>js</p><script>location.href = ${JSON.stringify(to('/from-js'))}</script>`)
      .start();
    otherSite = await startFixture('127.0.0.2');
    serveScenarios(otherSite, fixture, canaryUrl('127.0.0.1', '').replace(/\/$/, ''));
    fixture.page('/same-host-img', `<h1>page</h1><img src="${to('/same-host.png')}">`);
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port},127.0.0.2:${otherSite.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
    await otherSite?.close();
    await canary?.close();
  });

  afterEach(() => {
    expect({ canaryConnections: canary.connections(), paths: canary.paths }).toEqual({
      canaryConnections: 0,
      paths: [],
    });
  });

  it('reaches the allow-listed fixture (so the refusals below mean something)', async () => {
    const res = await svc.capture({ url: fixture.url('/ok'), format: 'html', wait_for_network: 'none' });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('allowed');
  });

  it.each([
    ['127.0.0.1'],
    ['2130706433'],
    ['0x7f000001'],
    ['0177.0.0.1'],
    ['127.1'],
    ['[::ffff:127.0.0.1]'],
    ['[::1]'],
    ['localhost'],
    ['LOCALHOST'],
    ['0.0.0.0'],
  ])('answers 403 BlockedTargetError for the canary as http://%s', async (host) => {
    const res = await svc.capture({ url: canaryUrl(host) });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 'error', error_type: 'BlockedTargetError' });
  });

  it('blocks an upper-case scheme and the cloud metadata address', async () => {
    const upper = await svc.capture({ url: `HTTP://127.0.0.1:${canary.port}/` });
    expect(upper.status).toBe(403);
    const metadata = await svc.capture({ url: 'http://169.254.169.254/latest/meta-data/' });
    expect(metadata.status).toBe(403);
    expect(metadata.body.error_type).toBe('BlockedTargetError');
  });

  it.each(['/r302', '/r307'])(
    'answers 403 when an allowed page redirects (%s) to the canary',
    async (path) => {
      const res = await svc.capture({ url: fixture.url(path) });
      expect(res.status).toBe(403);
      expect(res.body.error_type).toBe('BlockedTargetError');
    },
  );

  it.each(['/meta', '/script'])('never lets %s navigate the page to the canary', async (path) => {
    const res = await svc.capture({ url: fixture.url(path), format: 'html', delay_capture: 800 });
    expect([200, 403]).toContain(res.status);
    expect(res.body.toString()).not.toContain('canary secret');
  });

  it('keeps html_content subresources, frames, fetch, WebSocket and workers away from the canary', async () => {
    const c = canaryUrl();
    const ws = `ws://127.0.0.1:${canary.port}/ws`;
    const html = `<!doctype html><html><head><link rel="stylesheet" href="${c}style.css"></head><body>
      <img src="${c}img.png"><img src="${canaryUrl('localhost', '/img2.png')}">
      <iframe src="${c}frame"></iframe><iframe src="${canaryUrl('[::1]', '/frame6')}"></iframe>
      <div id="out"></div>
      <script>
        const out = [];
        const note = (s) => { out.push(s); document.getElementById('out').textContent = out.join(' '); };
        fetch(${JSON.stringify(c + 'fetch')}).then((r) => r.text()).then(note, () => note('fetch-refused'));
        const x = new XMLHttpRequest(); x.open('GET', ${JSON.stringify(c + 'xhr')});
        x.onload = () => note(x.responseText); x.onerror = () => note('xhr-refused'); x.send();
        try { const s = new WebSocket(${JSON.stringify(ws)}); s.onmessage = (m) => note(m.data); s.onerror = () => note('ws-refused'); } catch (e) { note('ws-threw'); }
        const src = 'fetch(' + JSON.stringify(${JSON.stringify(c + 'worker')}) + ').then(r => r.text()).then(t => postMessage(t), () => postMessage("worker-refused"))';
        const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        w.onmessage = (m) => note(m.data);
      </script></body></html>`;
    const res = await svc.capture({ html_content: html, format: 'html', delay_capture: 1500 });
    expect(res.status).toBe(200);
    const text = res.body.toString();
    expect(text).not.toContain('canary secret');
    expect(text).toContain('fetch-refused');
    expect(text).toContain('worker-refused');
  });

  it('never shows a local file, as url or inside html_content', async () => {
    const asUrl = await svc.capture({ url: 'file:///etc/passwd' });
    expect(asUrl.status).toBe(400);
    const framed = await svc.capture({
      html_content: '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object>',
      format: 'html',
      delay_capture: 300,
    });
    expect(framed.status).toBe(200);
    expect(framed.body.toString()).not.toMatch(/root:.*:0:0:/);
  });

  it('keeps a service worker of an allowed page away from the canary: install step, fetch handler, pass-through', async () => {
    const res = await scenarioCapture(svc, `${otherSite.base}/sw-page`);
    expect(res.status).toBe(200);
    // the worker really ran: it controlled the page, installed, and answered from its fetch handler
    expect(outText(res.body.toString())).toMatch(
      /^controlled install-fetch-(answered|refused) sw-fetch-(answered|refused) passthrough-(answered|refused)$/,
    );
    expect(res.body.toString()).not.toContain('canary secret');
    expect(otherSite.paths()).toContain('/sw.js');
    expect({ connections: canary.connections(), paths: canary.paths }).toEqual({ connections: 0, paths: [] });
  });

  it('keeps the fetch, <img> and WebSocket of a cross-site iframe away from the canary', async () => {
    const res = await scenarioCapture(svc, `${otherSite.base}/frame-host`);
    expect(res.status).toBe(200);
    const report = frameReport(res.body.toString());
    // the frame came from the other site, could not read its parent, and settled every request
    expect(report.origin).toBe(fixture.origin);
    expect(report.parentReadable).toBe(false);
    expect(report.results).toHaveLength(3);
    expect(report.results[1]).toBe('img-error');
    expect(report.results[2]).toMatch(/^ws-(refused|closed)$/);
    expect(fixture.hits('/frame')).toHaveLength(1);
    expect({ connections: canary.connections(), paths: canary.paths }).toEqual({ connections: 0, paths: [] });
  });

  // A refusal says something about the page only when it is the page's own host AND port (the policy
  // decides on both): matched on the host alone, the refused <img> made the whole capture a 403.
  it('captures an allowed page whose subresource on another, denied port of the same host is refused', async () => {
    const res = await svc.capture({
      url: fixture.url('/same-host-img'),
      format: 'html',
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('<h1>page</h1>');
  });
});

/**
 * The service worker and cross-site frame once more, each aimed at a canary
 * the policy denies and at one it allows: the denied one sees nothing, the
 * allowed one sees every request (the positive control: the tests above can
 * fail). Run with the default process model and with site isolation, where
 * the frame is an out-of-process iframe.
 */
describe.each([
  ['the default process model', false],
  ['site isolation (--site-per-process), the frame out of process', true],
])('Service worker and cross-site frame, denied vs allowed canary, under %s', (_model, sitePerProcess) => {
  let denied: Canary;
  let allowed: Canary;
  let fixture: FixtureServer;
  let otherSite: Fixture;
  let svc: TestApp;
  let chromeDir: string | undefined;
  const base = (canary: Canary) => `http://127.0.0.1:${canary.port}`;

  beforeAll(async () => {
    denied = await startCanary(['127.0.0.1']);
    allowed = await startCanary(['127.0.0.1']);
    fixture = await new FixtureServer().start();
    otherSite = await startFixture('127.0.0.2');
    serveScenarios(otherSite, fixture, base(denied), '/denied');
    serveScenarios(otherSite, fixture, base(allowed), '/allowed');
    chromeDir = sitePerProcess ? mkdtempSync(join(tmpdir(), 'pixashot-site-isolation-')) : undefined;
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port},127.0.0.2:${otherSite.port},127.0.0.1:${allowed.port}`,
      CHROME_PATH: chromeDir ? siteIsolatedChrome(chromeDir) : undefined,
    });
    expect(await waitFor(() => svc.pool.isReady(), 30000)).toBe(true);
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
    await otherSite?.close();
    await denied?.close();
    await allowed?.close();
    if (chromeDir) rmSync(chromeDir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect({ deniedConnections: denied.connections(), paths: denied.paths }).toEqual({
      deniedConnections: 0,
      paths: [],
    });
  });

  it(`runs the cross-site frame ${sitePerProcess ? 'out of process' : 'in the page process'}`, async () => {
    const frameTargets = await svc.pool.withPage(async ({ page, context }) => {
      await page.goto(`${otherSite.base}/denied/frame-host`, { waitUntil: 'load' });
      return context.targets().filter((t) => t.url().startsWith(`${fixture.origin}/denied/frame`)).length;
    });
    // an out-of-process iframe is a target of its own
    expect(frameTargets).toBe(sitePerProcess ? 1 : 0);
  });

  it('keeps the service worker from the denied canary and lets it reach the allowed one', async () => {
    const refused = await scenarioCapture(svc, `${otherSite.base}/denied/sw-page`);
    expect(refused.status).toBe(200);
    expect(outText(refused.body.toString())).toMatch(
      /^controlled install-fetch-\w+ sw-fetch-\w+ passthrough-\w+$/,
    );

    const reached = await scenarioCapture(svc, `${otherSite.base}/allowed/sw-page`);
    expect(reached.status).toBe(200);
    expect(outText(reached.body.toString())).toBe(
      'controlled install-fetch-answered sw-fetch-answered passthrough-answered',
    );
    expect(allowed.paths).toEqual(expect.arrayContaining(['/sw-install', '/sw-fetch', '/sw-passthrough']));
  });

  it('keeps the fetch, <img> and WebSocket of the frame from the denied canary and lets them reach the allowed one', async () => {
    const refused = await scenarioCapture(svc, `${otherSite.base}/denied/frame-host`);
    expect(refused.status).toBe(200);
    const refusedReport = frameReport(refused.body.toString());
    expect(refusedReport.origin).toBe(fixture.origin);
    expect(refusedReport.parentReadable).toBe(false);
    expect(refusedReport.results).toHaveLength(3);
    expect(refusedReport.results.slice(1)).not.toContain('ws-message canary secret');

    const reached = await scenarioCapture(svc, `${otherSite.base}/allowed/frame-host`);
    expect(reached.status).toBe(200);
    expect(frameReport(reached.body.toString()).results).toEqual([
      'fetch-answered',
      'img-error',
      'ws-message canary secret',
    ]);
    expect(allowed.paths).toEqual(expect.arrayContaining(['/frame-fetch', '/frame-img.png', 'ws:/frame-ws']));
  });
});
