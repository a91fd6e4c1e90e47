import { FixtureServer } from './helpers/fixture-server';
import { readProbe } from './helpers/page-probe';
import { startApp, TestApp } from './helpers/app';

/**
 * Capture 1 leaves state in every channel a page can write to, and sets every
 * emulation setting; it writes the result into #done ("done" or the error).
 * HttpOnly cookie from the response header, the rest from script.
 */
const WRITE_PAGE = `<!doctype html><html><head><script src="/cacheable.js"></script></head><body><script>
(async () => {
  document.cookie = 'script_cookie=1; path=/; max-age=3600';
  localStorage.setItem('k', 'leaked');
  sessionStorage.setItem('k', 'leaked');
  await new Promise((ok, fail) => {
    const open = indexedDB.open('leaky', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onerror = fail;
    open.onsuccess = () => {
      const tx = open.result.transaction('s', 'readwrite');
      tx.objectStore('s').put('leaked', 'k');
      tx.oncomplete = ok;
      tx.onerror = fail;
    };
  });
  await (await caches.open('leaky')).put('/cached', new Response('leaked'));
  await navigator.serviceWorker.register('/sw.js');
  await navigator.serviceWorker.ready;
  const geo = await new Promise((ok) => navigator.geolocation.getCurrentPosition((p) => ok(p.coords.latitude), () => ok(null)));
  return 'done geo=' + geo + ' cached=' + window.cached;
})().then(
  (text) => document.body.insertAdjacentHTML('beforeend', '<div id="done">' + text + '</div>'),
  (err) => document.body.insertAdjacentHTML('beforeend', '<div id="done">error ' + err + '</div>'),
);
</script></body></html>`;

/** What a page sees of every channel, as JSON in <pre id="probe"> (read with readProbe). */
const READ_PAGE = `<!doctype html><html><head><script src="/cacheable.js"></script></head><body><pre id="probe"></pre><script>
(async () => ({
  cookie: document.cookie,
  localStorage: localStorage.length,
  sessionStorage: sessionStorage.length,
  indexedDB: (await indexedDB.databases()).map((d) => d.name),
  cacheStorage: await caches.keys(),
  serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
  controlledBySw: !!navigator.serviceWorker.controller,
  geolocationPermission: (await navigator.permissions.query({ name: 'geolocation' })).state,
  userAgent: navigator.userAgent,
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  language: navigator.language,
  languages: navigator.languages,
  dark: matchMedia('(prefers-color-scheme: dark)').matches,
  viewport: [innerWidth, innerHeight, devicePixelRatio],
  historyLength: history.length,
  windowName: window.name,
  cachedScriptRan: window.cached,
}))().then((seen) => {
  document.getElementById('probe').textContent = JSON.stringify(seen);
});
</script></body></html>`;

describe('Isolation: nothing of one capture is observable by a later one on the same browser', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .route('/write', (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'text/html',
          'Set-Cookie': 'http_only_cookie=1; Path=/; Max-Age=3600; HttpOnly',
        });
        res.end(WRITE_PAGE);
      })
      .page('/read', READ_PAGE)
      .page('/sw.js', "self.addEventListener('fetch', () => {});", 'text/javascript')
      .route('/cacheable.js', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'public, max-age=3600' });
        res.end('window.cached = (window.cached || 0) + 1;');
      })
      .start();
    // one browser, so every capture below runs in the same Chrome
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      BROWSER_POOL_MIN: '1',
      BROWSER_POOL_MAX: '1',
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const read = async () => {
    const res = await svc.capture({
      url: fixture.url('/read'),
      format: 'html',
      wait_for_network: 'none',
      wait_for_selector: '#probe:not(:empty)',
    });
    expect(res.status).toBe(200);
    const request = fixture.hits('/read').at(-1)!;
    return { seen: readProbe(res.body), headers: request.headers };
  };

  it('sees the same page after a capture that wrote to every channel as before it', async () => {
    const [browserPid] = svc.pool.browserPids();
    const before = await read();
    expect(fixture.hits('/cacheable.js')).toHaveLength(1);

    const polluter = await svc.capture({
      url: fixture.url('/write'),
      format: 'html',
      wait_for_network: 'none',
      wait_for_selector: '#done',
      user_agent: 'Leaky/1.0',
      timezone: 'Asia/Tokyo',
      locale: 'de-DE',
      dark_mode: true,
      window_width: 800,
      window_height: 600,
      pixel_density: 2,
      custom_headers: { 'X-Leak': 'yes' },
      cookies: [{ name: 'request_cookie', value: '1' }],
      geolocation: { latitude: 48.85, longitude: 2.35 },
      ignore_https_errors: true,
      block_media: true,
    });
    expect(polluter.status).toBe(200);
    // the writes really happened: every channel held state inside capture 1
    expect(polluter.body.toString()).toContain('<div id="done">done geo=48.85 cached=1</div>');
    expect(fixture.hits('/cacheable.js')).toHaveLength(2);
    const written = fixture.hits('/write').at(-1)!.headers;
    expect(written['x-leak']).toBe('yes');
    expect(written['user-agent']).toBe('Leaky/1.0');

    const after = await read();
    // every channel the page can read is as it was before capture 1 (history.length too: a reused
    // tab would have grown it)
    expect(after.seen).toEqual(before.seen);
    expect(after.seen).toMatchObject({
      cookie: '',
      localStorage: 0,
      sessionStorage: 0,
      indexedDB: [],
      cacheStorage: [],
      serviceWorkers: 0,
      controlledBySw: false,
      geolocationPermission: 'prompt',
      dark: false,
      cachedScriptRan: 1,
    });
    expect(after.seen.userAgent).not.toContain('Leaky');
    expect(after.seen.timezone).not.toBe('Asia/Tokyo');
    expect(after.seen.language).not.toBe('de-DE');
    // what the server sees: no cookie, no extra header, the default user agent and language
    expect(after.headers.cookie).toBeUndefined();
    expect(after.headers['x-leak']).toBeUndefined();
    expect(after.headers['user-agent']).toBe(before.headers['user-agent']);
    expect(after.headers['accept-language']).toBe(before.headers['accept-language']);
    // the HTTP cache: the cacheable script capture 1 loaded is fetched again
    expect(fixture.hits('/cacheable.js')).toHaveLength(3);
    // the service worker capture 1 registered never ran for capture 2's page
    expect(fixture.hits('/sw.js')).toHaveLength(1);

    // all of it on one browser that never restarted
    expect(svc.pool.browserPids()).toEqual([browserPid]);
    expect(svc.pool.stats().restarts).toBe(0);
  });

  it('keeps captures that run at the same time on the same browser apart', async () => {
    const [browserPid] = svc.pool.browserPids();
    const before = await read();
    const [polluter, concurrent] = await Promise.all([
      svc.capture({
        url: fixture.url('/write'),
        format: 'html',
        wait_for_network: 'none',
        wait_for_selector: '#done',
        timezone: 'Asia/Tokyo',
        custom_headers: { 'X-Leak': 'yes' },
      }),
      // starts while capture 1 is writing (its page waits for the service worker)
      new Promise((resolve) => setTimeout(resolve, 150)).then(() => read()),
    ]);
    expect(polluter.status).toBe(200);
    expect(polluter.body.toString()).toContain('<div id="done">done');
    expect(concurrent.seen).toEqual(before.seen);
    expect(concurrent.headers['x-leak']).toBeUndefined();
    expect(svc.pool.browserPids()).toEqual([browserPid]);
  });
});
