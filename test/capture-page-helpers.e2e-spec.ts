import { FixtureServer } from './helpers/fixture-server';
import { pixel, pngSize } from './helpers/images';
import { near, solidPng } from './helpers/page-probe';
import { startApp, TestApp, waitFor } from './helpers/app';

const WHITE = [255, 255, 255];
const BLUE = [0, 0, 255];
const GREEN = [0, 128, 0];

/**
 * A page that opens popups every way a page can: window.open at load, a
 * target=_blank link, a form posting to a new window, and an anchor clicked
 * while detached from the document (which no in-page guard sees: only the
 * target watch can close that one). Each popup page is its own path.
 */
const OPENER = `<!doctype html><html><body style="margin:0;background:#fff">
<a id="blank-link" href="/popup/link" target="_blank">link</a>
<form id="form" action="/popup/form" target="_blank"><button id="submit">send</button></form>
<button id="detached">detached</button>
<div id="box" style="position:absolute;left:0;top:200px;width:200px;height:100px;background:rgb(0,128,0)"></div>
<script>
window.open('/popup/open');
document.getElementById('detached').addEventListener('click', () => {
  const a = document.createElement('a');
  a.href = '/popup/detached';
  a.target = '_blank';
  a.click();
});
</script></body></html>`;

/** Loaded in a popup: reports back after 2 s, if it still exists then. */
const POPUP_PAGE = `<!doctype html><html><body><p>popup</p>
<script>setTimeout(() => fetch('/popup/still-alive'), 2000);</script></body></html>`;

const CLICK_EVERY_OPENER = [
  { action: 'click', selector: '#blank-link' },
  { action: 'click', selector: '#submit' },
];

/**
 * OneTrust's banner as its SDK builds it: the stub adds #onetrust-consent-sdk
 * with #onetrust-banner-sdk after the page loaded; "Reject All" records the
 * choice (cookie and a call home) and hides the banner. Blue, 150 px, fixed
 * at the bottom of the viewport.
 */
const ONETRUST_MARKUP = `<div id="onetrust-consent-sdk">
  <div class="onetrust-pc-dark-filter ot-fade-in"></div>
  <div id="onetrust-banner-sdk" class="otFlat" tabindex="0" role="region" aria-label="Cookie banner"
       style="position:fixed;left:0;right:0;bottom:0;height:150px;background:rgb(0,0,255);color:#fff;z-index:2147483645">
    <div class="ot-sdk-container"><div class="ot-sdk-row">
      <div id="onetrust-group-container" class="ot-sdk-eight ot-sdk-columns">
        <div class="banner_logo"></div>
        <div id="onetrust-policy">
          <h2 id="onetrust-policy-title">We value your privacy</h2>
          <div id="onetrust-policy-text">We and our partners use cookies to personalise content and ads.
            <a class="ot-cookie-policy-link" href="#">Cookie Policy</a></div>
        </div>
      </div>
      <div id="onetrust-button-group-parent" class="ot-sdk-three ot-sdk-columns">
        <div id="onetrust-button-group">
          <button id="onetrust-pc-btn-handler">Cookies Settings</button>
          <button id="onetrust-reject-all-handler">Reject All</button>
          <button id="onetrust-accept-btn-handler">Accept All Cookies</button>
        </div>
      </div>
    </div></div>
  </div>
</div>`;

const ONETRUST_SDK = `<script>
window.addEventListener('load', () => setTimeout(() => {
  document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(ONETRUST_MARKUP)});
  const banner = document.getElementById('onetrust-banner-sdk');
  const close = (choice) => {
    try { document.cookie = 'OptanonAlertBoxClosed=' + new Date().toISOString() + '; path=/'; } catch (e) { /* about:blank */ }
    banner.style.display = 'none';
    fetch('/consent/' + choice).catch(() => {});
  };
  document.getElementById('onetrust-reject-all-handler').addEventListener('click', () => close('rejected'));
  document.getElementById('onetrust-accept-btn-handler').addEventListener('click', () => close('accepted'));
  window.OneTrust = { IsAlertBoxClosed: () => document.cookie.includes('OptanonAlertBoxClosed') };
}, 100));
</script>`;

const CONSENT_PAGE = `<!doctype html><html><head><title>news</title><style>html,body{margin:0;background:#fff}</style>
</head><body><h1>Article</h1><p>Text.</p>${ONETRUST_SDK}</body></html>`;

/**
 * A long page with a native lazy image 4000 px down and an
 * IntersectionObserver-driven one 5200 px down; #top turns red while the
 * page is scrolled and white when it is back at the top.
 */
const LAZY_PAGE = `<!doctype html><html><head><style>html,body{margin:0;background:#fff} img{display:block}</style></head><body>
<div id="top" style="height:100px;background:rgb(255,255,255)"></div>
<div style="height:3900px"></div>
<img loading="lazy" src="/lazy/native.png" width="200" height="200">
<div style="height:1000px"></div>
<img class="io" data-src="/lazy/observed.png" width="200" height="200">
<div style="height:1000px"></div>
<script>
const io = new IntersectionObserver((entries) => entries.forEach((e) => {
  if (e.isIntersecting) { e.target.src = e.target.dataset.src; io.unobserve(e.target); }
}));
document.querySelectorAll('img.io').forEach((img) => io.observe(img));
addEventListener('scroll', () => {
  document.getElementById('top').style.background = scrollY === 0 ? 'rgb(255,255,255)' : 'rgb(255,0,0)';
});
</script></body></html>`;

describe('POST /capture: popups, consent banners and lazy content (USE_COOKIE_BLOCKER=true)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/opener', OPENER)
      .page('/popup/open', POPUP_PAGE)
      .page('/popup/link', POPUP_PAGE)
      .page('/popup/form', POPUP_PAGE)
      .page('/popup/detached', POPUP_PAGE)
      .page('/popup/still-alive', 'yes')
      .page('/consent', CONSENT_PAGE)
      .page('/consent/rejected', 'ok')
      .page('/consent/accepted', 'ok')
      .page('/lazy', LAZY_PAGE)
      .route('/lazy/native.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(solidPng(200, 200, [0, 128, 0]));
      })
      .route('/lazy/observed.png', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(solidPng(200, 200, [0, 0, 255]));
      })
      .start();
    // the cookie blocker is on by default here; popups are blocked by default anyway
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}`, USE_COOKIE_BLOCKER: 'true' });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const popupHits = () =>
    fixture.requests.filter((r) => r.path.startsWith('/popup/')).map((r) => r.path.split('?')[0]);
  const consentHits = (choice: string) => fixture.hits(`/consent/${choice}`).length;

  describe('popups', () => {
    it('are refused by default: no popup page is ever requested, the capture is of the page', async () => {
      const before = popupHits().length;
      const res = await svc.capture({
        url: fixture.url('/opener'),
        window_width: 400,
        window_height: 400,
        interactions: CLICK_EVERY_OPENER,
        block_cookie_banners: false,
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 50, 250), GREEN)).toBe(true);
      expect(popupHits().slice(before)).toEqual([]);
    });

    it('one that gets past the page (a detached anchor) is closed at once: it never runs long enough to call home', async () => {
      const before = popupHits().length;
      const res = await svc.capture({
        url: fixture.url('/opener'),
        interactions: [{ action: 'click', selector: '#detached' }],
        delay_capture: 3500, // the popup would call home after 2 s if it lived
        block_cookie_banners: false,
      });
      expect(res.status).toBe(200);
      const hits = popupHits().slice(before);
      expect(hits).toContain('/popup/detached'); // it did open...
      expect(hits).not.toContain('/popup/still-alive'); // ...and was gone before its timer fired
    });

    it('open and live with block_popups false (the fixture really opens them)', async () => {
      const before = popupHits().length;
      const res = await svc.capture({
        url: fixture.url('/opener'),
        window_width: 400,
        window_height: 400,
        interactions: CLICK_EVERY_OPENER,
        block_popups: false,
        block_cookie_banners: false,
        delay_capture: 3000,
      });
      expect(res.status).toBe(200);
      // the captured page is still the opener, in front, although popups took the focus
      expect(near(pixel(res.body, 50, 250), GREEN)).toBe(true);
      const hits = popupHits().slice(before);
      expect(hits).toEqual(
        expect.arrayContaining(['/popup/open', '/popup/link', '/popup/form', '/popup/still-alive']),
      );
    });
  });

  describe('consent banners', () => {
    it('are rejected and gone by default (USE_COOKIE_BLOCKER=true)', async () => {
      const rejectedBefore = consentHits('rejected');
      const res = await svc.capture({ url: fixture.url('/consent'), window_width: 800, window_height: 600 });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 400, 550), WHITE)).toBe(true);
      // gone because autoconsent clicked OneTrust's "Reject All", not merely hidden
      expect(consentHits('rejected')).toBe(rejectedBefore + 1);
      expect(consentHits('accepted')).toBe(0);
    });

    it('stay with block_cookie_banners false', async () => {
      const rejectedBefore = consentHits('rejected');
      const res = await svc.capture({
        url: fixture.url('/consent'),
        window_width: 800,
        window_height: 600,
        block_cookie_banners: false,
        wait_for_selector: '#onetrust-banner-sdk',
      });
      expect(res.status).toBe(200);
      expect(near(pixel(res.body, 400, 550), BLUE)).toBe(true);
      expect(consentHits('rejected')).toBe(rejectedBefore);
    });

    it('are handled in html_content too', async () => {
      const res = await svc.capture({
        html_content: `<html><head><style>html,body{margin:0;background:#fff}</style></head><body>
<h1>Inline</h1>${ONETRUST_SDK.replace("fetch('/consent/' + choice).catch(() => {})", 'document.title = choice')}</body></html>`,
        window_width: 800,
        window_height: 600,
        format: 'png',
        response_type: 'json',
      });
      expect(res.status).toBe(200);
      expect(res.body.metadata.title).toBe('rejected');
      expect(near(pixel(Buffer.from(res.body.file, 'base64'), 400, 550), WHITE)).toBe(true);
    });
  });

  describe('full_page and lazy content', () => {
    it('scrolls first so lazy and observer-driven images are in the image, then back to the top', async () => {
      const res = await svc.capture({
        url: fixture.url('/lazy'),
        full_page: true,
        window_width: 400,
        window_height: 600,
        block_cookie_banners: false,
      });
      expect(res.status).toBe(200);
      expect(pngSize(res.body)).toEqual({ width: 400, height: 6400 });
      expect(near(pixel(res.body, 100, 4100), GREEN)).toBe(true);
      expect(near(pixel(res.body, 100, 5300), BLUE)).toBe(true);
      expect(near(pixel(res.body, 100, 50), WHITE)).toBe(true); // back at the top when captured
    });

    it('a viewport capture does not scroll: the far images are never asked for', async () => {
      const before = fixture.hits('/lazy/observed.png').length;
      const res = await svc.capture({
        url: fixture.url('/lazy'),
        window_width: 400,
        window_height: 600,
        block_cookie_banners: false,
      });
      expect(res.status).toBe(200);
      expect(fixture.hits('/lazy/observed.png').length).toBe(before);
    });
  });
});

/** Opens a popup at load and writes what window.open returned into the page. */
const OPEN_ON_LOAD = `<!doctype html><html><body><p id="opened">pending</p><script>
const w = window.open('/popup/beating');
document.getElementById('opened').textContent = w === null ? 'popup:null' : 'popup:' + typeof w;
</script></body></html>`;

/** Loaded in a popup: calls home every 200 ms for as long as it lives. */
const BEATING_POPUP = `<!doctype html><html><body><p>popup</p>
<script>setInterval(() => fetch('/popup/beat').catch(() => {}), 200);</script></body></html>`;

describe('POST /capture: popups with USE_POPUP_BLOCKER=false', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/open-on-load', OPEN_ON_LOAD)
      .page('/popup/beating', BEATING_POPUP)
      .page('/popup/beat', 'ok', 'text/plain')
      .page('/green', '<body style="margin:0;background:rgb(0,128,0)"></body>')
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}`, USE_POPUP_BLOCKER: 'false' });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const opened = (html: Buffer) => /<p id="opened">([^<]*)<\/p>/.exec(html.toString())?.[1];
  const beats = () => fixture.hits('/popup/beat').length;

  it('lets window.open return a window when the request does not say block_popups', async () => {
    const res = await svc.capture({
      url: fixture.url('/open-on-load'),
      format: 'html',
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(opened(res.body)).toBe('popup:object');
  });

  it('still refuses popups for a request with block_popups true: window.open returns null', async () => {
    const before = fixture.hits('/popup/beating').length;
    const res = await svc.capture({
      url: fixture.url('/open-on-load'),
      format: 'html',
      wait_for_network: 'none',
      block_popups: true,
    });
    expect(res.status).toBe(200);
    expect(opened(res.body)).toBe('popup:null');
    expect(fixture.hits('/popup/beating').length).toBe(before);
  });

  it('a popup that opened does not outlive its capture: it stops calling home once the capture is done', async () => {
    const before = beats();
    const res = await svc.capture({
      url: fixture.url('/open-on-load'),
      format: 'html',
      wait_for_network: 'none',
      block_popups: false,
      delay_capture: 1500, // the popup lives through the capture...
    });
    expect(res.status).toBe(200);
    expect(opened(res.body)).toBe('popup:object');
    expect(beats()).toBeGreaterThan(before); // ...and really runs
    // the capture's page slot is free once its context (popup included) is closed
    expect(await waitFor(() => svc.pool.stats().activePages === 0)).toBe(true);
    const afterClose = beats();
    await new Promise((resolve) => setTimeout(resolve, 2000)); // ten beats, if the popup still lived
    expect(beats()).toBe(afterClose);
    // and the next capture is of its own page, in front
    const next = await svc.capture({ url: fixture.url('/green'), window_width: 200, window_height: 100 });
    expect(next.status).toBe(200);
    expect(near(pixel(next.body, 100, 50), GREEN)).toBe(true);
  });
});
