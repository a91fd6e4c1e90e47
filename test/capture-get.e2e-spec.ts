import { FixtureServer } from './helpers/fixture-server';
import { binaryParser, pixel, pngSize } from './helpers/images';
import { near } from './helpers/page-probe';
import { startApp, TestApp } from './helpers/app';

const RED = [255, 0, 0];
const GREEN = [0, 128, 0];
const WHITE = [255, 255, 255];

/** A red box (hidden by hide_selectors), a blue one (likewise) and a button that turns the page green. */
const PAGE = `<!doctype html><html><head><style>html,body{margin:0;background:#fff}
#a,#b{position:absolute;width:100px;height:100px;background:rgb(255,0,0)} #a{left:0;top:0} #b{left:150px;top:0}
#go{position:absolute;left:0;top:150px}</style></head><body>
<div id="a"></div><div id="b"></div><button id="go">go</button>
<div id="status" style="position:absolute;left:0;top:200px;width:100px;height:50px;background:rgb(255,0,0)"></div>
<script>document.getElementById('go').addEventListener('click', () => {
  document.getElementById('status').style.background = 'rgb(0,128,0)';
});</script></body></html>`;

const GEO = `<!doctype html><html><body><pre id="geo"></pre><script>
navigator.geolocation.getCurrentPosition((p) => {
  const out = document.getElementById('geo');
  out.textContent = p.coords.latitude + ',' + p.coords.longitude;
  out.id = 'geo-done';
});</script></body></html>`;

describe('GET /capture: the same fields from the query string', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer().page('/page', PAGE).page('/geo', GEO).start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  /** GET /capture with the parameters encoded as a browser would; the body as bytes, and as JSON when it is. */
  const get = async (params: Record<string, string>) => {
    const res = await svc
      .http()
      .get(`/capture?${new URLSearchParams(params).toString()}`)
      .buffer(true)
      .parse(binaryParser);
    const body = res.body as Buffer;
    const json = String(res.headers['content-type']).startsWith('application/json')
      ? JSON.parse(body.toString())
      : undefined;
    return { status: res.status, headers: res.headers, body, json };
  };

  it('takes interactions as JSON and hide_selectors as a comma list', async () => {
    const res = await get({
      url: fixture.url('/page'),
      window_width: '300',
      window_height: '300',
      hide_selectors: '#a, #b',
      interactions: JSON.stringify([{ action: 'click', selector: '#go' }]),
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(pngSize(res.body)).toEqual({ width: 300, height: 300 });
    expect(near(pixel(res.body, 50, 50), WHITE)).toBe(true); // #a hidden
    expect(near(pixel(res.body, 200, 50), WHITE)).toBe(true); // #b hidden
    expect(near(pixel(res.body, 50, 225), GREEN)).toBe(true); // the click happened
  });

  it('without those fields the same page keeps its boxes (the test can tell)', async () => {
    const res = await get({ url: fixture.url('/page'), window_width: '300', window_height: '300' });
    expect(near(pixel(res.body, 50, 50), RED)).toBe(true);
    expect(near(pixel(res.body, 50, 225), RED)).toBe(true);
  });

  it('reads booleans and numbers from text (pixel_density, full_page, omit_background)', async () => {
    const res = await get({
      url: fixture.url('/page'),
      window_width: '200',
      window_height: '100',
      pixel_density: '1.5',
      full_page: 'false',
      omit_background: '0',
    });
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 300, height: 150 });
  });

  it('takes a hide_selectors JSON array (for selectors with commas in them)', async () => {
    const res = await get({
      url: fixture.url('/page'),
      window_width: '300',
      window_height: '300',
      hide_selectors: JSON.stringify(['#a, #b']),
    });
    expect(near(pixel(res.body, 50, 50), WHITE)).toBe(true);
    expect(near(pixel(res.body, 200, 50), WHITE)).toBe(true);
  });

  it('takes nested objects (geolocation, custom_headers) as JSON', async () => {
    const res = await get({
      url: fixture.url('/geo'),
      format: 'html',
      wait_for_selector: '#geo-done',
      geolocation: JSON.stringify({ latitude: 35.6762, longitude: 139.6503 }),
      custom_headers: JSON.stringify({ 'X-From-Get': 'yes' }),
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('35.6762,139.6503');
    expect(fixture.hits('/geo').at(-1)?.headers['x-from-get']).toBe('yes');
  });

  it.each([
    [{ interactions: 'not json' }, 'interactions is not valid JSON'],
    [{ interactions: JSON.stringify([{ action: 'explode' }]) }, 'interactions.0.action'],
    [
      { interactions: JSON.stringify([{ action: 'click' }]) },
      'interactions.0.action: click needs a selector',
    ],
    [{ window_width: 'wide' }, 'window_width must be an integer number'],
    [{ full_page: 'maybe' }, 'full_page must be a boolean value'],
    [{ geolocation: JSON.stringify({ latitude: 100, longitude: 0 }) }, 'geolocation.latitude'],
    [{ geolocation: '{"latitude": 1' }, 'geolocation is not valid JSON'],
    [{ custom_headers: JSON.stringify({ 'bad header': 'x' }) }, 'invalid header name "bad header"'],
    [{ fullpage: 'true' }, 'unknown field "fullpage"'],
  ])('answers 400 in the envelope for %j', async (params, detail) => {
    const res = await get({ url: fixture.url('/page'), ...params });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      status: 'error',
      error_type: 'ValidationError',
      message: 'Invalid request parameters',
    });
    expect(res.json.error_details).toContain(detail);
    expect(res.json.request_id).toEqual(expect.any(String));
  });

  it('answers 400 for a repeated parameter', async () => {
    const res = await svc
      .http()
      .get(`/capture?url=${encodeURIComponent(fixture.url('/page'))}&format=png&format=pdf`);
    expect(res.status).toBe(400);
    expect(res.body.error_type).toBe('ValidationError');
  });
});
