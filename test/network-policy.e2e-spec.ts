import { Canary, startCanary } from './helpers/egress-servers';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp } from './helpers/app';

/**
 * The network policy seen through the API: a canary on a loopback port that is
 * not allow-listed counts every connection, and must count none, whatever the
 * request or the page does. The fixture server's port is allowed.
 */
describe('Network policy through POST /capture (real Chromium behind the egress proxy)', () => {
  let canary: Canary;
  let fixture: FixtureServer;
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
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
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
});
