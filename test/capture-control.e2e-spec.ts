import request from 'supertest';
import { FixtureServer } from './helpers/fixture-server';
import { jsonOrBinaryParser, pixel, pngSize } from './helpers/images';
import { near, solidPng } from './helpers/page-probe';
import { startApp, TestApp } from './helpers/app';

const RED = [255, 0, 0];
const GREEN = [0, 128, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

const page = (body: string, head = '') =>
  `<!doctype html><html><head><style>html,body{margin:0;background:#fff}</style>${head}</head><body>${body}</body></html>`;

/** A 200x100 box at (0,0) whose colour tells what happened. */
const BOX = 'position:absolute;left:0;top:0;width:200px;height:100px';

/** window.app appears after 800 ms (reading window.app.ready throws until then), and the box turns green. */
const APP_READY = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>
<script>setTimeout(() => { window.app = { ready: true }; document.getElementById('box').style.background = 'rgb(0,128,0)'; }, 800);</script>`);

/** A spinner that goes away after 800 ms, when the box turns green; a second one that never does. */
const SPINNER = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>
<div class="spinner" style="position:absolute;top:200px;width:20px;height:20px;background:#000"></div>
<div class="forever" style="position:absolute;top:300px;width:20px;height:20px;background:#000"></div>
<script>setTimeout(() => { document.querySelector('.spinner').remove(); document.getElementById('box').style.background = 'rgb(0,128,0)'; }, 800);</script>`);

const THROWS = page(
  `<p>ok</p><script>setTimeout(() => { throw new Error('kaboom in a timer'); }, 50);</script>`,
);
const REJECTS = page(`<p>ok</p><script>Promise.reject(new TypeError('async nope'));</script>`);
const QUIET = page(`<p>ok</p><script>try { throw new Error('caught'); } catch (e) {}</script>`);

const CONTENT = page(`<h1>Access   Denied</h1><p>Order Total: 10</p>
<p style="display:none">secret hidden text</p><script>document.title = 'c';</script>`);

/** A page that loads a script, a stylesheet, an image and a font from the fixture; each leaves a trace. */
const RESOURCES = page(
  `<div id="box" style="${BOX}"></div><img src="/r/pic.png" style="position:absolute;top:200px">
<p style="font-family:Fixture">text</p><script src="/r/tracker.js"></script>`,
  `<link rel="stylesheet" href="/r/style.css"><style>@font-face{font-family:Fixture;src:url(/r/font.woff2)}</style>`,
);

/** Opens a WebSocket to the fixture; the title says whether the constructor refused it. */
const SOCKET = page(`<p>socket</p><script>
try { new WebSocket('ws://' + location.host + '/sock'); document.title = 'opened'; }
catch (e) { document.title = e.name; }
</script>`);

/** Content that appears after 300 ms, to be styled by `styles` too. */
const LATE = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>
<script>setTimeout(() => { const d = document.createElement('div'); d.className = 'late';
d.style.cssText = 'position:absolute;left:0;top:200px;width:200px;height:100px;background:rgb(255,0,0)';
document.body.appendChild(d); }, 300);</script>`);

/** Red with scripts off (and the noscript text), green when the script runs. */
const SCRIPTED = page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>
<noscript><p id="ns" style="position:absolute;top:200px">scripts are off</p></noscript>
<script>document.getElementById('box').style.background = 'rgb(0,128,0)';</script>`);

/** A blue band 3000 px down a tall page; a green block at (100, 1500). */
const TALL = page(`<div style="height:6000px;position:relative">
<div style="position:absolute;left:100px;top:1500px;width:50px;height:40px;background:rgb(0,128,0)"></div>
<div id="far" style="position:absolute;left:0;top:3000px;width:100%;height:200px;background:rgb(0,0,255)"></div>
</div>`);

/** Blue | green | red columns of 100, 200 and 100 px over a 400 px wide page. */
const COLUMNS = page(`<div style="display:flex;height:400px">
<div style="width:100px;background:rgb(0,0,255)"></div><div style="width:200px;background:rgb(0,128,0)"></div>
<div style="width:100px;background:rgb(255,0,0)"></div></div>`);

const ARTICLE = page(
  `<nav><a href="/home">Site navigation</a></nav>
<main><h1>Quarterly report</h1><p>Revenue grew by <strong>12%</strong>, see <a href="/details?q=1">the details</a>.</p>
<ul><li>first point</li><li>second point</li></ul>
<p style="display:none">invisible paragraph</p><script>var leaked = 'script text';</script>
<img src="/r/pic.png" alt="chart"></main>
<footer>Footer text</footer>`,
  '<title>Report</title>',
);

const RICH_HEAD = `<title>Rich page</title>
<meta name="description" content="  A page   with metadata. ">
<meta property="og:title" content="OG title"><meta property="og:description" content="OG description">
<meta property="og:image" content="/img/cover.png"><meta property="og:url" content="/canonical-page">
<meta property="og:type" content="article"><meta property="og:site_name" content="Fixture site">
<link rel="icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png">
<link rel="icon" href="data:image/png;base64,AAAA"><link rel="canonical" href="/canonical-page">`;
const RICH = `<!doctype html><html lang="de"><head>${RICH_HEAD}</head><body><p>rich</p></body></html>`;

const binary = (req: request.Test) => req.buffer(true).parse(jsonOrBinaryParser);

describe('POST /capture: capture control (API.md part 2)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/app-ready', APP_READY)
      .page('/spinner', SPINNER)
      .page('/throws', THROWS)
      .page('/rejects', REJECTS)
      .page('/quiet', QUIET)
      .page('/content', CONTENT)
      .page('/resources', RESOURCES)
      .page('/late', LATE)
      .page('/scripted', SCRIPTED)
      .page('/tall', TALL)
      .page('/columns', COLUMNS)
      .page('/article', ARTICLE)
      .page('/rich', RICH)
      .page('/plain', page('<p>plain</p>'))
      .page('/socket', SOCKET)
      .page('/r/style.css', '#box{background:rgb(0,0,255)}', 'text/css')
      .page('/r/tracker.js', 'window.tracked = true;', 'text/javascript')
      .route('/r/pic.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(solidPng(10, 10, [0, 128, 0]));
      })
      .route('/hop', (_req, res) => {
        res.writeHead(302, { Location: '/plain' });
        res.end();
      })
      .route('/missing', (_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<h1>gone</h1>');
      })
      .route('/broken', (_req, res) => {
        res.writeHead(503, { 'Content-Type': 'text/html' });
        res.end('<h1>down</h1>');
      })
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const shot = (body: object) =>
    svc.capture({ window_width: 400, window_height: 600, wait_for_network: 'none', ...body });
  const expect400 = async (body: object, detail: RegExp) => {
    const res = await shot(body);
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe('ValidationError');
    expect(res.body.error_details).toMatch(detail);
  };

  describe('wait_for_function', () => {
    it('polls until the expression is truthy, a throw counting as "not yet"', async () => {
      const res = await shot({
        url: fixture.url('/app-ready'),
        wait_for_function: 'window.app.ready === true',
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('without it the same page is captured before it is ready (the test can tell)', async () => {
      const res = await shot({ url: fixture.url('/app-ready') });
      expect(near(pixel(res.body, 50, 50), RED)).toBe(true);
    });

    it('awaits a promise the expression gives', async () => {
      const res = await shot({
        url: fixture.url('/app-ready'),
        wait_for_function: 'new Promise((r) => setTimeout(() => r(!!window.app), 50))',
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('answers 504 TimeoutError with the last exception when it is never truthy', async () => {
      const res = await shot({
        url: fixture.url('/plain'),
        wait_for_function: 'window.app.ready',
        wait_for_timeout: 1000,
      });
      expect(res.status).toBe(504);
      expect(res.body.error_type).toBe('TimeoutError');
      expect(res.body.error_details).toMatch(
        /wait_for_function.*1000 ms.*Cannot read properties of undefined/,
      );
    });

    it('answers 504 within the wait when the expression never settles or loops', async () => {
      for (const expression of ['new Promise(() => {})', '(() => { while (true) {} })()']) {
        const started = Date.now();
        const res = await shot({
          url: fixture.url('/plain'),
          wait_for_function: expression,
          wait_for_timeout: 1000,
        });
        expect(res.status).toBe(504);
        expect(Date.now() - started).toBeLessThan(15000);
      }
    });

    it('answers 400 for an expression that does not parse', async () => {
      await expect400(
        { url: fixture.url('/plain'), wait_for_function: 'window.app.ready ===' },
        /wait_for_function is not a JavaScript expression/,
      );
      await expect400({ url: fixture.url('/plain'), wait_for_function: '}{' }, /wait_for_function/);
    });
  });

  describe('wait_for_selector_hidden', () => {
    it('waits until the spinner is gone', async () => {
      const res = await shot({ url: fixture.url('/spinner'), wait_for_selector_hidden: '.spinner' });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('answers 504 TimeoutError when the element stays', async () => {
      const res = await shot({
        url: fixture.url('/spinner'),
        wait_for_selector_hidden: '.forever',
        wait_for_timeout: 1000,
      });
      expect(res.status).toBe(504);
      expect(res.body.error_type).toBe('TimeoutError');
      expect(res.body.error_details).toMatch(/"\.forever" was still shown/);
    });

    it('answers 400 for an invalid selector', async () => {
      const res = await shot({ url: fixture.url('/spinner'), wait_for_selector_hidden: 'div[[' });
      expect(res.status).toBe(400);
      expect(res.body.error_details).toMatch(/wait_for_selector_hidden is not a valid CSS selector/);
    });
  });

  describe('fail_on_status and fail_on_http_error', () => {
    it('answers 502 NavigationError with target_status for a listed status', async () => {
      const res = await shot({ url: fixture.url('/missing'), fail_on_status: [404] });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ error_type: 'NavigationError', target_status: 404 });
    });

    it('takes inclusive ranges and leaves statuses outside them alone', async () => {
      const down = await shot({ url: fixture.url('/broken'), fail_on_status: ['500-599'] });
      expect(down.status).toBe(502);
      expect(down.body.target_status).toBe(503);
      const notListed = await shot({ url: fixture.url('/missing'), fail_on_status: ['500-599', 403] });
      expect(notListed.status).toBe(200);
      expect(notListed.headers['x-target-status']).toBe('404');
    });

    it('fail_on_http_error is "400-599" and carries target_status too', async () => {
      const res = await shot({ url: fixture.url('/missing'), fail_on_http_error: true });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ error_type: 'NavigationError', target_status: 404 });
    });

    it.each([[['abc']], [[600]], [['599-500']], [[99]], ['404']])('answers 400 for %j', async (value) => {
      await expect400({ url: fixture.url('/plain'), fail_on_status: value }, /fail_on_status/);
    });
  });

  describe('fail_on_page_error', () => {
    it('answers 422 PageError with the message of an uncaught exception', async () => {
      const res = await shot({ url: fixture.url('/throws'), fail_on_page_error: true, delay_capture: 200 });
      expect(res.status).toBe(422);
      expect(res.body.error_type).toBe('PageError');
      expect(res.body.error_details).toMatch(/kaboom in a timer/);
    });

    it('answers 422 PageError for an unhandled rejection', async () => {
      const res = await shot({ url: fixture.url('/rejects'), fail_on_page_error: true });
      expect(res.status).toBe(422);
      expect(res.body.error_type).toBe('PageError');
      expect(res.body.error_details).toMatch(/TypeError: async nope/);
    });

    it("does not count the service's own evaluations: a wait_for_function that throws while it waits", async () => {
      const res = await shot({
        url: fixture.url('/app-ready'),
        wait_for_function: 'window.app.ready',
        fail_on_page_error: true,
      });
      expect(res.status).toBe(200);
    });

    it('captures a page that throws when not asked, and one whose exceptions are caught', async () => {
      expect((await shot({ url: fixture.url('/throws'), delay_capture: 200 })).status).toBe(200);
      expect((await shot({ url: fixture.url('/quiet'), fail_on_page_error: true })).status).toBe(200);
    });
  });

  describe('fail_if_content_contains / fail_if_content_missing', () => {
    it('answers 422 ContentError with `matched` for visible text, case and white space aside', async () => {
      const res = await shot({
        url: fixture.url('/content'),
        fail_if_content_contains: ['nothing', 'ACCESS denied'],
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error_type: 'ContentError', matched: 'ACCESS denied' });
    });

    it('does not match hidden text', async () => {
      const res = await shot({
        url: fixture.url('/content'),
        fail_if_content_contains: ['secret hidden text'],
      });
      expect(res.status).toBe(200);
    });

    it('answers 422 ContentError with `missing` for a string the page lacks', async () => {
      const res = await shot({
        url: fixture.url('/content'),
        fail_if_content_missing: ['order total', 'Invoice number'],
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error_type: 'ContentError', missing: 'Invoice number' });
      const ok = await shot({ url: fixture.url('/content'), fail_if_content_missing: ['ORDER TOTAL: 10'] });
      expect(ok.status).toBe(200);
    });

    it('checks the page as it is captured: after custom_js and interactions', async () => {
      const custom_js = "document.body.insertAdjacentHTML('beforeend', '<p>Injected late</p>')";
      const present = await shot({
        url: fixture.url('/content'),
        custom_js,
        fail_if_content_missing: ['injected LATE'],
      });
      expect(present.status).toBe(200);
      const found = await shot({
        url: fixture.url('/content'),
        custom_js,
        fail_if_content_contains: ['injected late'],
      });
      expect(found.status).toBe(422);
      expect(found.body.matched).toBe('injected late');
    });

    it('answers 400 for more than 20 strings', async () => {
      const many = Array.from({ length: 21 }, (_, i) => `s${i}`);
      await expect400(
        { url: fixture.url('/content'), fail_if_content_contains: many },
        /fail_if_content_contains must contain no more than 20/,
      );
      await expect400(
        { url: fixture.url('/content'), fail_if_content_missing: many },
        /fail_if_content_missing/,
      );
    });
  });

  describe('block_requests and block_resources', () => {
    const hitsOf = () => ({
      css: fixture.hits('/r/style.css').length,
      js: fixture.hits('/r/tracker.js').length,
      png: fixture.hits('/r/pic.png').length,
      font: fixture.hits('/r/font.woff2').length,
    });
    const delta = async (body: object) => {
      const before = hitsOf();
      const res = await shot({ url: fixture.url('/resources'), wait_for_network: 'idle', ...body });
      expect(res.status).toBe(200);
      const after = hitsOf();
      return {
        res,
        css: after.css - before.css,
        js: after.js - before.js,
        png: after.png - before.png,
        font: after.font - before.font,
      };
    };

    it('loads everything when nothing is blocked (the counts can tell)', async () => {
      const d = await delta({});
      expect([d.css, d.js, d.png, d.font]).toEqual([1, 1, 1, 1]);
      expect(near(pixel(d.res.body, 50, 50), BLUE)).toBe(true);
    });

    it('block_requests: a matching request never reaches the server', async () => {
      const d = await delta({ block_requests: ['*/r/tracker.js', '*.css'] });
      expect([d.css, d.js, d.png]).toEqual([0, 0, 1]);
      expect(near(pixel(d.res.body, 50, 50), WHITE)).toBe(true); // the stylesheet did not apply
    });

    it('block_resources: the listed types never reach the server', async () => {
      const d = await delta({ block_resources: ['image', 'script'] });
      expect([d.css, d.js, d.png]).toEqual([1, 0, 0]);
    });

    it('block_media is images, media and fonts, and combines with block_requests', async () => {
      const d = await delta({ block_media: true, block_requests: ['*tracker*'] });
      expect([d.css, d.js, d.png, d.font]).toEqual([1, 0, 0, 0]);
    });

    it('blocks WebSockets (which Chrome does not intercept) by type and by pattern', async () => {
      const upgrades = () => fixture.hits('/sock').length;
      const title = async (body: object) => {
        const res = await shot({
          url: fixture.url('/socket'),
          response_type: 'json',
          delay_capture: 300,
          ...body,
        });
        expect(res.status).toBe(200);
        return res.body.metadata.title as string;
      };
      const before = upgrades();
      expect(await title({})).toBe('opened');
      expect(upgrades()).toBe(before + 1); // the test can tell
      expect(await title({ block_resources: ['websocket'] })).toBe('SecurityError');
      expect(await title({ block_requests: ['ws://*/sock'] })).toBe('SecurityError');
      expect(upgrades()).toBe(before + 1);
      expect(await title({ block_requests: ['ws://*/other'] })).toBe('opened');
    });

    it('never blocks a redirect of the main document', async () => {
      const res = await shot({
        url: fixture.url('/hop'),
        block_requests: ['*/plain'],
        response_type: 'json',
      });
      expect(res.status).toBe(200);
      expect(res.body.metadata.final_url).toBe(fixture.url('/plain'));
    });

    it('answers 400 when a pattern matches the main document', async () => {
      await expect400(
        { url: fixture.url('/resources'), block_requests: ['*/resources'] },
        /main document cannot be blocked/,
      );
      await expect400(
        { url: fixture.url('/resources'), block_requests: ['*'] },
        /main document cannot be blocked/,
      );
    });

    it('answers 400 for an unknown resource type', async () => {
      await expect400(
        { url: fixture.url('/resources'), block_resources: ['video'] },
        /block_resources entries must be one of/,
      );
    });
  });

  describe('styles', () => {
    it('applies to the page and to content that appears later', async () => {
      const res = await shot({
        url: fixture.url('/late'),
        styles: '#box, .late { background: rgb(0, 0, 255) !important; }',
        delay_capture: 600,
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), BLUE)).toBe(true);
      expect(near(pixel(res.body, 50, 250), BLUE)).toBe(true);
    });

    it('applies to html_content too', async () => {
      const res = await shot({
        html_content: page(`<div id="box" style="${BOX};background:rgb(255,0,0)"></div>`),
        styles: '#box { background: rgb(0, 128, 0) !important; }',
      });
      expect(near(pixel(res.body, 50, 50), GREEN)).toBe(true);
    });

    it('answers 400 over 100 KiB', async () => {
      await expect400(
        { url: fixture.url('/late'), styles: `/*${'x'.repeat(100 * 1024)}*/` },
        /styles must be at most 102400 bytes/,
      );
    });
  });

  describe('javascript_enabled', () => {
    it('false renders the page with scripts off (noscript shown)', async () => {
      const off = await shot({ url: fixture.url('/scripted'), javascript_enabled: false });
      expect(off.status).toBe(200);
      expect(near(pixel(off.body, 50, 50), RED)).toBe(true);
      const on = await shot({ url: fixture.url('/scripted') });
      expect(near(pixel(on.body, 50, 50), GREEN)).toBe(true);
      const html = await shot({ url: fixture.url('/scripted'), javascript_enabled: false, format: 'html' });
      expect(html.body.toString()).toContain('id="ns"');
    });

    it('false still applies styles and runs the content checks', async () => {
      const res = await shot({
        url: fixture.url('/scripted'),
        javascript_enabled: false,
        styles: '#box { background: rgb(0, 0, 255) !important; }',
        fail_if_content_missing: ['scripts are off'],
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 50), BLUE)).toBe(true);
    });

    it('false works with the page helpers that run their own code in the page', async () => {
      const started = Date.now();
      const res = await shot({
        url: fixture.url('/scripted'),
        javascript_enabled: false,
        block_cookie_banners: true,
        full_page: true,
        wait_for_animation: true,
        hide_selectors: ['#ns'],
        response_type: 'json',
      });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(8000);
    });

    it.each([
      ['custom_js', { custom_js: '1' }],
      ['interactions', { interactions: [{ action: 'click', selector: '#box' }] }],
      ['wait_for_function', { wait_for_function: 'true' }],
    ])('answers 400 for %s with javascript_enabled: false', async (field, extra) => {
      await expect400(
        { url: fixture.url('/scripted'), javascript_enabled: false, ...extra },
        new RegExp(`${field} cannot be used with javascript_enabled: false`),
      );
    });
  });

  describe('scroll_into_view', () => {
    it('scrolls the element to the top of the viewport', async () => {
      const res = await shot({ url: fixture.url('/tall'), scroll_into_view: '#far' });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 10, 5), BLUE)).toBe(true);
      const unscrolled = await shot({ url: fixture.url('/tall') });
      expect(near(pixel(unscrolled.body, 10, 5), WHITE)).toBe(true);
    });

    it('answers 422 ElementNotFoundError when nothing matches', async () => {
      const res = await shot({ url: fixture.url('/tall'), scroll_into_view: '#nowhere' });
      expect(res.status).toBe(422);
      expect(res.body.error_type).toBe('ElementNotFoundError');
    });
  });

  describe('clip', () => {
    it('captures that rectangle of the page, outside the viewport too, times pixel_density', async () => {
      const clip = { x: 100, y: 1500, width: 50, height: 40 };
      const res = await shot({ url: fixture.url('/tall'), clip });
      expect(res.status).toBe(200);
      expect(pngSize(res.body)).toEqual({ width: 50, height: 40 });
      expect(near(pixel(res.body, 25, 20), GREEN)).toBe(true);
      const dense = await shot({ url: fixture.url('/tall'), clip, pixel_density: 2 });
      expect(pngSize(dense.body)).toEqual({ width: 100, height: 80 });
      expect(near(pixel(dense.body, 99, 79), GREEN)).toBe(true);
    });

    it.each([
      [{ selector: '#far' }, /clip and selector cannot be used together/],
      [{ full_page: true }, /clip and full_page cannot be used together/],
      [{ template: 'desktop_full' }, /clip and full_page cannot be used together/],
      [{ format: 'pdf' }, /clip applies to png, jpeg and webp only, not pdf/],
    ])('answers 400 with %j', async (extra, detail) => {
      await expect400(
        { url: fixture.url('/tall'), clip: { x: 0, y: 0, width: 10, height: 10 }, ...extra },
        detail,
      );
    });

    it('answers 400 for a rectangle without a size', async () => {
      await expect400(
        { url: fixture.url('/tall'), clip: { x: 0, y: 0, width: 0, height: 10 } },
        /clip.width/,
      );
      await expect400({ url: fixture.url('/tall'), clip: { x: 0, y: 0 } }, /clip.width/);
    });
  });

  describe('image_width / image_height', () => {
    it('one side keeps the aspect ratio', async () => {
      const res = await shot({ url: fixture.url('/columns'), image_width: 200 });
      expect(res.status).toBe(200);
      expect(pngSize(res.body)).toEqual({ width: 200, height: 300 });
      const tall = await shot({ url: fixture.url('/columns'), image_height: 150, pixel_density: 2 });
      expect(pngSize(tall.body)).toEqual({ width: 100, height: 150 });
    });

    it('both: exactly that size, scaled to cover and cropped centrally', async () => {
      const res = await shot({
        url: fixture.url('/columns'),
        window_height: 200,
        image_width: 100,
        image_height: 100,
      });
      expect(pngSize(res.body)).toEqual({ width: 100, height: 100 });
      // 400x200 scaled to 200x100, the middle 100 px kept: only the green column is left
      expect(near(pixel(res.body, 2, 50), GREEN)).toBe(true);
      expect(near(pixel(res.body, 97, 50), GREEN)).toBe(true);
      const json = await shot({
        url: fixture.url('/columns'),
        image_width: 100,
        image_height: 50,
        format: 'jpeg',
        response_type: 'json',
      });
      expect(json.body.metadata).toMatchObject({ width: 100, height: 50, format: 'jpeg' });
      expect(Buffer.from(json.body.file, 'base64').subarray(0, 3).toString('hex')).toBe('ffd8ff');
    });

    it('answers 400 for formats that are not images, and out of range', async () => {
      await expect400(
        { url: fixture.url('/columns'), image_width: 100, format: 'pdf' },
        /image_width applies to png, jpeg and webp only/,
      );
      await expect400(
        { url: fixture.url('/columns'), image_height: 100, format: 'html' },
        /image_height applies/,
      );
      await expect400(
        { url: fixture.url('/columns'), image_width: 0 },
        /image_width must not be less than 1/,
      );
      await expect400(
        { url: fixture.url('/columns'), image_width: 20000 },
        /image_width must not be greater than 16384/,
      );
    });
  });

  describe('format: markdown', () => {
    it('answers the main content as Markdown, without navigation, hidden text or scripts', async () => {
      const res = await shot({ url: fixture.url('/article'), format: 'markdown' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename=screenshot.md');
      const md = res.body.toString('utf8');
      expect(md).toContain('# Quarterly report');
      expect(md).toContain(`Revenue grew by **12%**, see [the details](${fixture.url('/details?q=1')}).`);
      expect(md).toMatch(/^-\s+first point$/m);
      expect(md).toContain(`![chart](${fixture.url('/r/pic.png')})`);
      for (const absent of ['Site navigation', 'Footer text', 'invisible paragraph', 'script text']) {
        expect(md).not.toContain(absent);
      }
    });

    it('answers for a deeply nested page (2000 levels)', async () => {
      const res = await shot({
        html_content: `<body><script>let n = document.body;
for (let i = 0; i < 2000; i++) n = n.appendChild(document.createElement('div'));
n.textContent = 'deep text';</script></body>`,
        format: 'markdown',
      });
      expect(res.status).toBe(200);
      expect(res.body.toString('utf8')).toContain('deep text');
    });

    it('takes the selector as the root, and answers 422 when it matches nothing', async () => {
      const res = await shot({ url: fixture.url('/article'), format: 'markdown', selector: 'ul' });
      expect(res.body.toString('utf8').trim()).toMatch(/^-\s+first point\n-\s+second point$/);
      const missing = await shot({ url: fixture.url('/article'), format: 'markdown', selector: '#none' });
      expect(missing.status).toBe(422);
      expect(missing.body.error_type).toBe('ElementNotFoundError');
    });
  });

  describe('response_type: json metadata', () => {
    it('carries description, open_graph, icons, canonical_url and lang, URLs made absolute', async () => {
      const res = await shot({ url: fixture.url('/rich'), response_type: 'json' });
      expect(res.status).toBe(200);
      expect(res.body.metadata).toMatchObject({
        title: 'Rich page',
        description: 'A page with metadata.',
        open_graph: {
          title: 'OG title',
          description: 'OG description',
          image: fixture.url('/img/cover.png'),
          url: fixture.url('/canonical-page'),
          type: 'article',
          site_name: 'Fixture site',
        },
        icons: [fixture.url('/favicon.ico'), fixture.url('/touch.png')],
        canonical_url: fixture.url('/canonical-page'),
        lang: 'de',
      });
    });

    it('leaves out what the page does not have', async () => {
      const res = await shot({ url: fixture.url('/plain'), response_type: 'json' });
      for (const key of ['description', 'open_graph', 'icons', 'canonical_url', 'lang']) {
        expect(res.body.metadata).not.toHaveProperty(key);
      }
    });
  });

  describe('GET /capture', () => {
    const get = (query: Record<string, string>) =>
      binary(
        svc
          .http()
          .get('/capture')
          .query({ window_width: '400', window_height: '600', wait_for_network: 'none', ...query }),
      );

    it('takes lists as comma lists, clip as JSON and numbers and booleans as text', async () => {
      const before = fixture.hits('/r/tracker.js').length;
      const res = await get({
        url: fixture.url('/resources'),
        block_requests: '*/r/tracker.js,*.woff2',
        block_resources: 'image',
        clip: JSON.stringify({ x: 0, y: 0, width: 100, height: 50 }),
        image_width: '50',
        javascript_enabled: 'true',
        fail_if_content_missing: 'text',
      });
      expect(res.status).toBe(200);
      expect(pngSize(res.body)).toEqual({ width: 50, height: 25 });
      expect(fixture.hits('/r/tracker.js').length).toBe(before);
    });

    it('takes fail_on_status as a comma list of statuses and ranges', async () => {
      const res = await get({ url: fixture.url('/missing'), fail_on_status: '403,404-410' });
      expect(res.status).toBe(502);
      expect(res.body.target_status).toBe(404);
    });
  });
});
