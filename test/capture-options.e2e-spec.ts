import { FixtureServer } from './helpers/fixture-server';
import { pixel, pngSize } from './helpers/images';
import { near, PROBE_PAGE, readProbe, SelfSignedServer, solidPng } from './helpers/page-probe';
import { startApp, TestApp } from './helpers/app';

const WHITE = [255, 255, 255];
const RED = [255, 0, 0];
const GREEN = [0, 128, 0];
const BLUE = [0, 0, 255];

const page = (body: string, head = '') =>
  `<!doctype html><html><head><style>html,body{margin:0;background:#fff}</style>${head}</head><body>${body}</body></html>`;

/** A 200x100 box at (0,0) whose colour tells what happened. */
const BOX = 'position:absolute;left:0;top:0;width:200px;height:100px';

const FORM = page(`
<input id="q"><button id="go" style="position:absolute;left:300px;top:0">go</button>
<div id="out"></div>
<script>
document.getElementById('go').addEventListener('click', () => {
  setTimeout(() => {
    const r = document.createElement('p');
    r.id = 'result';
    r.textContent = 'typed:' + document.getElementById('q').value;
    document.body.appendChild(r);
  }, 300);
});
</script>`);

const HOVER = page(
  `<div id="hov" style="${BOX}"></div>`,
  '<style>#hov{background:rgb(255,0,0)} #hov:hover{background:rgb(0,128,0)}</style>',
);

const SCROLL = page(
  `<div style="height:5000px"></div><div id="far" style="height:50px">far</div><div style="height:3000px"></div>
<script>addEventListener('scroll', () => { document.title = 'y=' + Math.round(scrollY); });</script>`,
);

const LATE_CONTENT = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>
<script>setTimeout(() => { document.getElementById('box').style.background = 'rgb(0,128,0)'; }, 1000);</script>`);

/** A click starts one request that answers after 700 ms, and (with ?hang) two that never answer. */
const FETCH_ON_CLICK = page(`<button id="load">load</button><div id="data"></div>
<script>
document.getElementById('load').addEventListener('click', async () => {
  if (location.search === '?hang') { fetch('/hang?1'); fetch('/hang?2'); }
  const text = await (await fetch('/slow-data')).text();
  document.getElementById('data').textContent = text;
});
</script>`);

const HIDE = page(
  `<div id="ad" style="${BOX};background:rgb(255,0,0)"></div>
<div class="banner" style="position:absolute;left:0;top:200px;width:200px;height:100px;background:rgb(0,0,255)"></div>
<script>setTimeout(() => { const d = document.createElement('div'); d.className = 'late-ad';
d.style.cssText = 'position:absolute;left:0;top:400px;width:200px;height:100px;background:rgb(255,0,0)';
document.body.appendChild(d); }, 200);</script>`,
);

const DARK = page(
  '<h1>theme</h1>',
  '<style>@media (prefers-color-scheme: dark){html,body{background:rgb(10,10,10)}}</style>',
);

const MEDIA = (run: string) =>
  page(
    `<img src="/m/img.png?run=${run}"><video src="/m/clip.mp4?run=${run}" preload="auto"></video>
<div style="width:50px;height:50px;background-image:url(/m/bg.png?run=${run})"></div>
<p style="font-family:Fixture">text</p>`,
    `<style>@font-face{font-family:Fixture;src:url(/m/font.woff2?run=${run})}</style>`,
  );

const ANIMATED = page(
  `<div id="box" style="${BOX}"></div>`,
  `<style>#box{background:rgb(255,0,0);animation:turn 2500ms steps(1,end) forwards}
@keyframes turn{from{background:rgb(255,0,0)}to{background:rgb(0,128,0)}}</style>`,
);

const GEO = page(`<pre id="geo"></pre><script>
navigator.permissions.query({ name: 'geolocation' }).then((p) => {
  const out = document.getElementById('geo');
  out.dataset.permission = p.state;
  navigator.geolocation.getCurrentPosition(
    (pos) => { out.textContent = JSON.stringify({ permission: p.state, lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy }); out.id = 'geo-done'; },
    (err) => { out.textContent = JSON.stringify({ permission: p.state, error: err.code }); out.id = 'geo-done'; },
    { timeout: 2000 },
  );
});
</script>`);

/** Leaves a cookie (header and script), local storage and a geolocation permission behind, if any leaked. */
const POLLUTER = page(`<p>polluting</p><script>
document.cookie = 'script_cookie=1; path=/; max-age=3600';
localStorage.setItem('pixashot', 'leaked');
</script>`);

const readGeo = (html: Buffer) =>
  JSON.parse(/<pre id="geo-done"[^>]*>([\s\S]*?)<\/pre>/.exec(html.toString())![1]) as Record<string, any>;

const PIPELINE = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>`);

/** Reports the window the page sees at parse time, in the probe's <pre>. */
const WINDOW_PROBE = `<!doctype html><html><body style="margin:0"><pre id="probe"></pre><script>
document.getElementById('probe').textContent = JSON.stringify({
  size: [innerWidth, innerHeight, devicePixelRatio],
  outer: [outerWidth, outerHeight],
  screen: [screen.width, screen.height],
  coarse: matchMedia('(pointer: coarse)').matches,
  touch: navigator.maxTouchPoints,
});
</script></body></html>`;

/** Replaces window.screen before reading the outer size (which must stay the real screen's). */
const SCREEN_SWAP = `<!doctype html><html><body><pre id="probe"></pre><script>
Object.defineProperty(window, 'screen', { value: { width: 1, height: 1 } });
document.getElementById('probe').textContent = JSON.stringify({
  screen: [screen.width, screen.height],
  outer: [outerWidth, outerHeight],
});
</script></body></html>`;

describe('POST /capture: every capture option on a real page', () => {
  let fixture: FixtureServer;
  let tls: SelfSignedServer;
  let svc: TestApp;
  let chromeMajor: string;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/probe', PROBE_PAGE)
      .page('/window', WINDOW_PROBE)
      .page('/screen-swap', SCREEN_SWAP)
      .page('/form', FORM)
      .page('/hover', HOVER)
      .page('/scroll', SCROLL)
      .page('/late-content', LATE_CONTENT)
      .page('/fetch-on-click', FETCH_ON_CLICK)
      .page('/hide', HIDE)
      .page('/dark', DARK)
      .page('/media-a', MEDIA('a'))
      .page('/media-b', MEDIA('b'))
      .page('/animated', ANIMATED)
      .page('/geo', GEO)
      .page('/pipeline', PIPELINE)
      .page('/sub.css', 'body{}', 'text/css')
      .page('/with-sub', page('<p>sub</p>', '<link rel="stylesheet" href="/sub.css">'))
      .route('/polluter', (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'text/html',
          'Set-Cookie': 'header_cookie=1; Path=/; Max-Age=3600; HttpOnly',
        });
        res.end(POLLUTER);
      })
      .route('/hang', () => undefined) // never answers; the capture's context closing ends it
      .route('/slow-data', (_req, res) => {
        setTimeout(() => res.end('data-arrived'), 700);
      })
      .route('/m/img.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(solidPng(10, 10, [0, 128, 0]));
      })
      .route('/m/bg.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(solidPng(10, 10, [0, 0, 255]));
      })
      .route('/missing', (_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<h1>gone</h1>');
      })
      .start();
    tls = await new SelfSignedServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page(`<div style="${BOX};background:rgb(0,128,0)"></div>`));
    }).start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port},127.0.0.1:${tls.port}` });
    const plain = readProbe((await svc.capture({ url: fixture.url('/probe'), format: 'html' })).body);
    chromeMajor = /Chrome\/(\d+)/.exec(plain.ua)![1];
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
    await tls?.stop();
  });

  const shot = (body: object) =>
    svc.capture({ window_width: 400, window_height: 600, wait_for_network: 'none', ...body });
  const probe = async (body: object) => {
    const res = await svc.capture({ url: fixture.url('/probe'), format: 'html', ...body });
    expect(res.status).toBe(200);
    return readProbe(res.body);
  };
  describe('window', () => {
    // The pool presents every page at the default window (its real window is tiny, see page-window.ts):
    // a page reads the same inner, outer and screen sizes as in a 1920x1080 window. Any other size,
    // density or a mobile preset is emulated over it, and nothing of it reaches the next capture.
    const windowOf = async (body: object) => {
      const [html, png] = await Promise.all([
        probe({ url: fixture.url('/window'), wait_for_network: 'none', ...body }),
        svc.capture({ url: fixture.url('/window'), wait_for_network: 'none', ...body }),
      ]);
      expect(png.status).toBe(200);
      return { ...html, png: pngSize(png.body) } as Record<string, any>;
    };
    const desktopDefault = {
      size: [1920, 1080, 1],
      outer: [1920, 1080],
      screen: [1920, 1080],
      coarse: false,
      touch: 0,
      png: { width: 1920, height: 1080 },
    };

    it('gives a default capture the default 1920x1080 window at density 1', async () => {
      expect(await windowOf({})).toEqual(desktopDefault);
    });

    it("gives html_content (written into the prepared page's first document) the same window", async () => {
      const res = await svc.capture({ html_content: WINDOW_PROBE, format: 'html' });
      expect(res.status).toBe(200);
      expect(readProbe(res.body)).toMatchObject({
        size: [1920, 1080, 1],
        outer: [1920, 1080],
        screen: [1920, 1080],
      });
    });

    it('keeps the outer size on the real screen when the page replaces window.screen', async () => {
      expect(await probe({ url: fixture.url('/screen-swap'), wait_for_network: 'none' })).toEqual({
        screen: [1, 1],
        outer: [1920, 1080],
      });
    });

    it('emulates another size, density or a phone, and the next default capture is back at the default', async () => {
      expect(await windowOf({ window_width: 800, window_height: 600, pixel_density: 2 })).toEqual({
        size: [800, 600, 2],
        // the screen (and a window filling it) stay the default's, as when the real window had that size
        outer: [1920, 1080],
        screen: [1920, 1080],
        coarse: false,
        touch: 0,
        png: { width: 1600, height: 1200 },
      });
      expect(await windowOf({ window_width: 1920, window_height: 1080, pixel_density: 1.5 })).toMatchObject({
        size: [1920, 1080, 1.5],
        png: { width: 2880, height: 1620 },
      });
      const phone = await windowOf({ user_agent_device: 'mobile', window_width: 412, window_height: 915 });
      // (a phone lays out a page without a viewport meta tag 980 px wide: innerWidth says nothing here)
      expect(phone).toMatchObject({
        coarse: true,
        outer: [412, 915],
        screen: [412, 915],
        png: { width: 412, height: 915 },
      });
      expect(phone.touch).toBeGreaterThan(0);
      // a mobile preset at the default size is emulated too (touch, coarse pointer)
      expect(await windowOf({ user_agent_device: 'mobile' })).toMatchObject({
        size: [1920, 1080, 1],
        coarse: true,
      });
      expect(await windowOf({})).toEqual(desktopDefault);
    });
  });

  /** The last request the fixture saw for `path` (query included). */
  const lastRequest = (path: string) => [...fixture.requests].reverse().find((r) => r.path === path)!;

  describe('custom_js', () => {
    it('awaits a script with top-level await before the capture', async () => {
      const res = await shot({
        url: fixture.url('/pipeline'),
        custom_js:
          "await new Promise((r) => setTimeout(r, 300)); document.getElementById('box').style.background = 'rgb(0,128,0)';",
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('awaits a promise the script returns', async () => {
      const res = await shot({
        url: fixture.url('/pipeline'),
        custom_js:
          "new Promise((resolve) => setTimeout(() => { document.getElementById('box').style.background = 'rgb(0,0,255)'; resolve(); }, 300))",
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), BLUE)).toBe(true);
    });

    it.each([
      ["throw new Error('boom')", 'boom'],
      ["await Promise.reject(new Error('nope'))", 'nope'],
      ['Promise.reject(new TypeError("bad type"))', 'TypeError: bad type'],
      ['undefinedFunction()', 'undefinedFunction is not defined'],
    ])('answers 422 ScriptError with the message for %s', async (custom_js, message) => {
      const res = await shot({ url: fixture.url('/pipeline'), custom_js });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ status: 'error', error_type: 'ScriptError' });
      expect(res.body.error_details).toContain(message);
    });

    it('stops a script that never finishes at wait_for_timeout with 422 ScriptError', async () => {
      const res = await shot({
        url: fixture.url('/pipeline'),
        custom_js: 'while (true) {}',
        wait_for_timeout: 1500,
      });
      expect(res.status).toBe(422);
      expect(res.body.error_type).toBe('ScriptError');
      expect(res.body.error_details).toContain('did not finish within 1500 ms');
    });
  });

  describe('interactions', () => {
    it('types, clicks and waits for the element the click produces', async () => {
      const res = await svc.capture({
        url: fixture.url('/form'),
        format: 'html',
        interactions: [
          { action: 'type', selector: '#q', text: 'hello pixashot' },
          { action: 'click', selector: '#go' },
          { action: 'wait_for', wait_for: { type: 'selector', value: '#result' } },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('typed:hello pixashot');
    });

    it('hovers an element (its :hover style is in the image)', async () => {
      const res = await shot({
        url: fixture.url('/hover'),
        interactions: [{ action: 'hover', selector: '#hov' }],
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('scrolls to coordinates and to an element', async () => {
      const byY = await svc.capture({
        url: fixture.url('/scroll'),
        format: 'html',
        interactions: [{ action: 'scroll', x: 0, y: 1200 }],
      });
      expect(byY.body.toString()).toContain('<title>y=1200</title>');
      const bySelector = await svc.capture({
        url: fixture.url('/scroll'),
        format: 'html',
        interactions: [{ action: 'scroll', selector: '#far' }],
      });
      const y = Number(/<title>y=(\d+)<\/title>/.exec(bySelector.body.toString())?.[1]);
      expect(y).toBeGreaterThan(3000);
    });

    it('waits a fixed time with wait_for timeout', async () => {
      const res = await shot({
        url: fixture.url('/late-content'),
        interactions: [{ action: 'wait_for', wait_for: { type: 'timeout', value: 2500 } }],
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('waits for the request a click started with wait_for network_idle', async () => {
      const res = await svc.capture({
        url: fixture.url('/fetch-on-click'),
        format: 'html',
        wait_for_network: 'none',
        interactions: [
          { action: 'click', selector: '#load' },
          { action: 'wait_for', wait_for: { type: 'network_idle' } },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('data-arrived');
    });

    it('network_mostly_idle goes on once at most 2 requests are in flight', async () => {
      // three requests start, two never end: idle never comes, mostly idle does once the third answers
      const res = await svc.capture({
        url: fixture.url('/fetch-on-click?hang'),
        format: 'html',
        wait_for_network: 'none',
        interactions: [
          { action: 'click', selector: '#load' },
          { action: 'wait_for', wait_for: { type: 'network_mostly_idle' } },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('data-arrived');
    });

    it('answers 422 InteractionError naming the failing step', async () => {
      const res = await shot({
        url: fixture.url('/form'),
        wait_for_timeout: 1000,
        interactions: [
          { action: 'type', selector: '#q', text: 'x' },
          { action: 'hover', selector: '#go' },
          { action: 'click', selector: '#missing' },
          { action: 'click', selector: '#go' },
        ],
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ status: 'error', error_type: 'InteractionError' });
      expect(res.body.error_details).toMatch(
        /^step 2 \(click #missing\): no visible element matches "#missing"/,
      );
    });

    it('answers 422 when a wait_for selector never shows', async () => {
      const res = await shot({
        url: fixture.url('/form'),
        wait_for_timeout: 800,
        interactions: [{ action: 'wait_for', wait_for: { type: 'selector', value: '#never' } }],
      });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toContain(
        'step 0 (wait_for selector #never): "#never" did not become visible',
      );
    });

    it('answers 400 for steps that miss what their action needs', async () => {
      const res = await shot({
        url: fixture.url('/form'),
        interactions: [
          { action: 'click' },
          { action: 'type', selector: '#q' },
          { action: 'wait_for' },
          { action: 'wait_for', wait_for: { type: 'timeout', value: 'soon' } },
          { action: 'wait_for', wait_for: { type: 'selector' } },
        ],
      });
      expect(res.status).toBe(400);
      const details: string = res.body.error_details;
      expect(details).toContain('interactions.0.action: click needs a selector');
      expect(details).toContain('interactions.1.action: type needs a text');
      expect(details).toContain('interactions.2.action: wait_for needs wait_for');
      expect(details).toContain('interactions.3.wait_for.value: value must be milliseconds');
      expect(details).toContain('interactions.4.wait_for.value: value must be a CSS selector');
    });
  });

  describe('hide_selectors', () => {
    it('hides matching elements, also ones the page adds later', async () => {
      const res = await shot({
        url: fixture.url('/hide'),
        hide_selectors: ['#ad', '.banner', '.late-ad', '.no-such-thing'],
        delay_capture: 600,
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), WHITE)).toBe(true);
      expect(near(pixel(res.body, 50, 250), WHITE)).toBe(true);
      expect(near(pixel(res.body, 50, 450), WHITE)).toBe(true);
      const visible = await shot({ url: fixture.url('/hide'), delay_capture: 600 });
      expect(near(pixel(visible.body, 50, 50), RED)).toBe(true);
      expect(near(pixel(visible.body, 50, 250), BLUE)).toBe(true);
      expect(near(pixel(visible.body, 50, 450), RED)).toBe(true);
    });

    it('answers 400 naming an invalid selector', async () => {
      const res = await shot({ url: fixture.url('/hide'), hide_selectors: ['#ad', 'div[[['] });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain('hide_selectors contains an invalid selector "div[[["');
    });
  });

  it('dark_mode emulates prefers-color-scheme: dark', async () => {
    const dark = await shot({ url: fixture.url('/dark'), dark_mode: true });
    expect(near(pixel(dark.body, 390, 590), [10, 10, 10])).toBe(true);
    const light = await shot({ url: fixture.url('/dark') });
    expect(near(pixel(light.body, 390, 590), WHITE)).toBe(true);
    expect((await probe({ dark_mode: true })).dark).toBe(true);
  });

  it('block_media keeps images, media and fonts from being requested', async () => {
    const blocked = await svc.capture({ url: fixture.url('/media-b'), block_media: true });
    expect(blocked.status).toBe(200);
    expect(fixture.requests.filter((r) => r.path.startsWith('/m/') && r.path.endsWith('run=b'))).toEqual([]);
    // the same page without the flag does ask for them: the fixture is able to tell
    await svc.capture({ url: fixture.url('/media-a') });
    const asked = fixture.requests.filter((r) => r.path.endsWith('run=a')).map((r) => r.path.split('?')[0]);
    expect(asked).toEqual(
      expect.arrayContaining(['/m/img.png', '/m/bg.png', '/m/font.woff2', '/m/clip.mp4']),
    );
  });

  it('wait_for_animation waits for a running CSS animation to finish', async () => {
    const res = await shot({ url: fixture.url('/animated'), wait_for_animation: true });
    expect(res.status).toBe(200);
    expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
  });

  describe('headers, cookies and user agent', () => {
    it('sends custom_headers with the document and its subresources', async () => {
      const res = await svc.capture({
        url: fixture.url('/with-sub'),
        custom_headers: { 'X-Pixashot-Test': 'hello', 'X-Second': 'two' },
      });
      expect(res.status).toBe(200);
      expect(lastRequest('/with-sub').headers).toMatchObject({
        'x-pixashot-test': 'hello',
        'x-second': 'two',
      });
      expect(lastRequest('/sub.css').headers['x-pixashot-test']).toBe('hello');
    });

    it.each([['Bad Header'], ['x:y'], ['']])('answers 400 for the header name %j', async (name) => {
      const res = await svc.capture({ url: fixture.url('/probe'), custom_headers: { [name]: 'v' } });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain(`custom_headers has an invalid header name "${name}"`);
    });

    it('sets cookies before navigation (the server receives them; http_only ones stay out of document.cookie)', async () => {
      const seen = await probe({
        cookies: [
          { name: 'visible', value: 'v1' },
          { name: 'secret', value: 's1', http_only: true },
          { name: 'scoped', value: 'x', domain: '127.0.0.1', path: '/elsewhere' },
        ],
      });
      const header = lastRequest('/probe').headers.cookie ?? '';
      expect(header.split('; ').sort()).toEqual(['secret=s1', 'visible=v1']);
      expect(seen.cookie).toBe('visible=v1');
    });

    it('answers 400 for a cookie without domain on html_content', async () => {
      const res = await svc.capture({ html_content: '<p>x</p>', cookies: [{ name: 'a', value: 'b' }] });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain('cookies.0: domain is required with html_content');
    });

    it('user_agent changes the request header and navigator.userAgent', async () => {
      const seen = await probe({ user_agent: 'PixashotTest/1.0 (+https://example.com)' });
      expect(seen.ua).toBe('PixashotTest/1.0 (+https://example.com)');
      expect(lastRequest('/probe').headers['user-agent']).toBe('PixashotTest/1.0 (+https://example.com)');
    });

    it('mobile android chrome: a phone user agent with the real Chrome version, touch and client hints', async () => {
      const seen = await probe({
        user_agent_device: 'mobile',
        user_agent_platform: 'android',
        user_agent_browser: 'chrome',
        window_width: 412,
        window_height: 915,
      });
      const headers = lastRequest('/probe').headers;
      expect(seen.ua).toBe(
        `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajor}.0.0.0 Mobile Safari/537.36`,
      );
      expect(headers['user-agent']).toBe(seen.ua);
      expect(headers['sec-ch-ua-mobile']).toBe('?1');
      expect(headers['sec-ch-ua-platform']).toBe('"Android"');
      expect(headers['sec-ch-ua']).toContain(`"Google Chrome";v="${chromeMajor}"`);
      expect(seen.uaData).toMatchObject({ mobile: true, platform: 'Android' });
      expect(seen.maxTouchPoints).toBeGreaterThan(0);
      expect(seen.coarsePointer).toBe(true);
      expect(seen.platform).toBe('Linux armv81');
    });

    it('desktop windows edge: Edg token and Microsoft Edge client hints, no touch', async () => {
      const seen = await probe({ user_agent_browser: 'edge', user_agent_platform: 'windows' });
      expect(seen.ua).toBe(
        `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajor}.0.0.0 Safari/537.36 Edg/${chromeMajor}.0.0.0`,
      );
      expect(seen.uaData.brands).toEqual(
        expect.arrayContaining([{ brand: 'Microsoft Edge', version: chromeMajor }]),
      );
      expect(seen.uaData).toMatchObject({ mobile: false, platform: 'Windows' });
      expect(lastRequest('/probe').headers['sec-ch-ua-platform']).toBe('"Windows"');
      expect(seen.maxTouchPoints).toBe(0);
      expect(seen.platform).toBe('Win32');
    });

    it('desktop macos safari: a Safari user agent without client hints or userAgentData', async () => {
      const seen = await probe({ user_agent_browser: 'safari' });
      expect(seen.ua).toMatch(
        /^Mozilla\/5\.0 \(Macintosh; Intel Mac OS X 10_15_7\) AppleWebKit\/605\.1\.15 \(KHTML, like Gecko\) Version\/[\d.]+ Safari\/605\.1\.15$/,
      );
      expect(seen.hasUaData).toBe(false);
      expect(seen.platform).toBe('MacIntel');
      const headers = lastRequest('/probe').headers;
      expect(headers['user-agent']).toBe(seen.ua);
      expect(Object.keys(headers).filter((h) => h.startsWith('sec-ch-ua'))).toEqual([]);
    });

    it('mobile firefox: a Gecko user agent on Android with touch; the tablet form on a wide viewport', async () => {
      const phone = { user_agent_device: 'mobile', user_agent_browser: 'firefox', window_width: 412 };
      const seen = await probe(phone);
      expect(seen.ua).toMatch(
        /^Mozilla\/5\.0 \(Android \d+; Mobile; rv:(\d+)\.0\) Gecko\/\1\.0 Firefox\/\1\.0$/,
      );
      expect(seen.hasUaData).toBe(false);
      expect(seen.maxTouchPoints).toBeGreaterThan(0);
      const tablet = await probe({ ...phone, window_width: 800 });
      expect(tablet.ua).toContain('; Tablet; rv:');
    });

    it('answers 400 for combinations no real browser has', async () => {
      const res = await svc.capture({
        url: fixture.url('/probe'),
        user_agent_device: 'desktop',
        user_agent_platform: 'ios',
      });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain('user_agent_platform ios is not a desktop platform');
      const safari = await svc.capture({
        url: fixture.url('/probe'),
        user_agent_platform: 'windows',
        user_agent_browser: 'safari',
      });
      expect(safari.status).toBe(400);
      expect(safari.body.error_details).toContain('safari exists only on macos and ios');
    });
  });

  describe('place, time and language', () => {
    it('geolocation: the page gets the position, permission granted', async () => {
      const res = await svc.capture({
        url: fixture.url('/geo'),
        format: 'html',
        wait_for_selector: '#geo-done',
        geolocation: { latitude: 48.8584, longitude: 2.2945, accuracy: 25 },
      });
      expect(res.status).toBe(200);
      expect(readGeo(res.body)).toEqual({ permission: 'granted', lat: 48.8584, lon: 2.2945, accuracy: 25 });
    });

    it('answers 400 for a latitude out of range', async () => {
      const res = await svc.capture({
        url: fixture.url('/geo'),
        geolocation: { latitude: 91, longitude: 0 },
      });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain('geolocation.latitude');
    });

    it('timezone: Intl and Date follow it', async () => {
      const tokyo = await probe({ timezone: 'Asia/Tokyo' });
      expect(tokyo.timezone).toBe('Asia/Tokyo');
      expect(tokyo.januaryOffset).toBe(-540);
      const ny = await probe({ timezone: 'America/New_York' });
      expect(ny.januaryOffset).toBe(300);
    });

    it('locale: navigator.language, Accept-Language and number formatting', async () => {
      const seen = await probe({ locale: 'de-DE' });
      expect(seen.language).toBe('de-DE');
      expect(seen.languages).toEqual(['de-DE', 'de']);
      expect(seen.number).toBe('1.234,5');
      expect(lastRequest('/probe').headers['accept-language']).toMatch(/^de-DE,de/);
    });

    it('locale together with a user agent preset keeps both', async () => {
      const seen = await probe({
        locale: 'fr-FR',
        user_agent_device: 'mobile',
        user_agent_platform: 'android',
      });
      expect(seen.language).toBe('fr-FR');
      expect(seen.ua).toContain('Android');
      expect(seen.uaData).toMatchObject({ mobile: true, platform: 'Android' });
    });
  });

  describe('ignore_https_errors and fail_on_http_error', () => {
    it('a self-signed certificate is 502 by default, captured with the flag, and the flag does not stick', async () => {
      const refused = await shot({ url: tls.url('/') });
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ error_type: 'NavigationError' });
      expect(refused.body.error_details).toContain('ERR_CERT_AUTHORITY_INVALID');

      const accepted = await shot({ url: tls.url('/'), ignore_https_errors: true });
      expect(accepted.status).toBe(200);
      expect(near(pixel(accepted.body, 50, 50), GREEN)).toBe(true);

      // per capture, not browser-wide: the next capture on the same browser checks again
      const again = await shot({ url: tls.url('/') });
      expect(again.status).toBe(502);
    });

    it('fail_on_http_error turns a 404 into 502 NavigationError; without it the error page is captured', async () => {
      const captured = await shot({ url: fixture.url('/missing') });
      expect(captured.status).toBe(200);
      expect(captured.headers['x-target-status']).toBe('404');
      const failed = await shot({ url: fixture.url('/missing'), fail_on_http_error: true });
      expect(failed.status).toBe(502);
      expect(failed.body).toMatchObject({ error_type: 'NavigationError' });
      expect(failed.body.error_details).toContain('HTTP 404');
    });
  });

  describe('templates', () => {
    it('iphone_13 gives a 1170x2532 PNG of an iPhone with touch', async () => {
      const res = await svc.capture({
        url: fixture.url('/dark'),
        template: 'iphone_13',
        wait_for_network: 'none',
      });
      expect(res.status).toBe(200);
      expect(pngSize(res.body)).toEqual({ width: 1170, height: 2532 });
      const seen = await probe({ template: 'iphone_13' });
      expect(seen.ua).toContain('iPhone; CPU iPhone OS');
      expect(seen.ua).toContain('Mobile/15E148 Safari/604.1');
      expect(seen.maxTouchPoints).toBeGreaterThan(0);
    });

    it('request fields override the template (window_width 500 on iphone_13 is 1500 px wide)', async () => {
      const res = await svc.capture({
        url: fixture.url('/dark'),
        template: 'iphone_13',
        window_width: 500,
        wait_for_network: 'none',
      });
      expect(pngSize(res.body)).toEqual({ width: 1500, height: 2532 });
      // a preset field of the request wins too, and the template's parts that do not fit give way
      const seen = await probe({ template: 'iphone_13', user_agent_platform: 'android' });
      expect(seen.ua).toContain('Android');
      expect(seen.ua).toContain(`Chrome/${chromeMajor}`);
    });

    it.each([
      ['pixel_7', 412 * 2.625, 915 * 2.625],
      ['ipad', 1640, 2360],
      ['mobile', 1170, 2532],
      ['desktop_full', 1920, 1080],
    ])('%s has its viewport and density', async (template, width, height) => {
      const res = await svc.capture({ url: fixture.url('/dark'), template, wait_for_network: 'none' });
      expect(res.status).toBe(200);
      const size = pngSize(res.body);
      expect(Math.abs(size.width - width)).toBeLessThan(1);
      expect(Math.abs(size.height - height)).toBeLessThan(1);
    });

    it('article_pdf makes a PDF', async () => {
      const res = await svc.capture({ url: fixture.url('/dark'), template: 'article_pdf' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
    });

    it('answers 400 listing the known templates for an unknown one', async () => {
      const res = await svc.capture({ url: fixture.url('/dark'), template: 'iphone_99' });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toContain(
        'template must be one of: mobile, desktop_full, article_pdf, iphone_13, ipad, pixel_7',
      );
    });
  });

  it('isolates captures: cookies, storage and permissions of one are not seen by the next', async () => {
    const first = await svc.capture({
      url: fixture.url('/polluter'),
      geolocation: { latitude: 1, longitude: 2 },
    });
    expect(first.status).toBe(200);
    const seen = await probe({});
    expect(seen.cookie).toBe('');
    expect(seen.storage).toBeNull();
    expect(lastRequest('/probe').headers.cookie).toBeUndefined();
    const geo = await svc.capture({
      url: fixture.url('/geo'),
      format: 'html',
      wait_for_selector: '#geo-done',
    });
    expect(readGeo(geo.body)).toEqual({ permission: expect.not.stringMatching('granted'), error: 1 });
  });

  describe('pipeline order', () => {
    it('context settings are in place at the first byte of the page', async () => {
      const seen = await probe({
        user_agent: 'FirstByte/1.0',
        timezone: 'Europe/Berlin',
        locale: 'ja-JP',
        dark_mode: true,
        cookies: [{ name: 'early', value: '1' }],
      });
      expect(seen).toMatchObject({
        ua: 'FirstByte/1.0',
        timezone: 'Europe/Berlin',
        language: 'ja-JP',
        dark: true,
        cookie: 'early=1',
      });
      expect(seen.href).toBe(fixture.url('/probe'));
    });

    it('custom_js runs on the loaded page, before hide_selectors, before interactions', async () => {
      // throws (422) on about:blank; adds the button the interaction clicks
      const custom_js = `if (!document.getElementById('box')) throw new Error('not the target page: ' + location.href);
const b = document.createElement('button'); b.id = 'made-by-js'; b.textContent = 'go';
b.style.cssText = 'position:absolute;left:300px;top:300px';
b.onclick = () => { document.getElementById('box').style.background = 'rgb(0,128,0)'; };
document.body.appendChild(b);`;
      const ok = await shot({
        url: fixture.url('/pipeline'),
        custom_js,
        interactions: [{ action: 'click', selector: '#made-by-js' }],
      });
      expect(ok.status).toBe(200);
      expect(near(pixel(ok.body, 50, 50), GREEN)).toBe(true);
      // hide_selectors comes before interactions: a hidden button cannot be clicked
      const hidden = await shot({
        url: fixture.url('/pipeline'),
        custom_js,
        hide_selectors: ['#made-by-js'],
        wait_for_timeout: 1000,
        interactions: [{ action: 'click', selector: '#made-by-js' }],
      });
      expect(hidden.status).toBe(422);
      expect(hidden.body.error_details).toContain('step 0 (click #made-by-js): no visible element');
    });
  });
});
