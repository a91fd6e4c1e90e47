import { FixtureServer } from './helpers/fixture-server';
import { pixel, pngSize } from './helpers/images';
import { startApp, TestApp } from './helpers/app';

const TEXT_PAGE = `<!doctype html><html><head><title>Fixture page</title>
<style>body{margin:0;background:#fff} #box{position:absolute;left:40px;top:30px;width:200px;height:100px;background:rgb(255,0,0)}</style>
</head><body><h1>Pixashot fixture</h1><div id="box"></div></body></html>`;

const TALL_PAGE = (height: number) =>
  `<!doctype html><html><head><style>html,body{margin:0}</style></head><body><div style="height:${height}px;background:linear-gradient(#00f,#0f0)"></div></body></html>`;

const LATE_ELEMENT = `<!doctype html><html><body><script>
setTimeout(() => { const d = document.createElement('div'); d.id = 'late'; d.textContent = 'here'; document.body.appendChild(d); }, 1000);
</script></body></html>`;

describe('POST /capture: formats, sizes and waits (real Chromium)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/text', TEXT_PAGE)
      .page('/tall', TALL_PAGE(3000))
      .page('/very-tall', TALL_PAGE(40000))
      .page('/late', LATE_ELEMENT)
      .route('/redirect', (_req, res) => {
        res.writeHead(302, { Location: '/text' });
        res.end();
      })
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  it.each([
    ['png', 'image/png', '89504e470d0a1a0a'],
    ['jpeg', 'image/jpeg', 'ffd8ff'],
    ['webp', 'image/webp', '52494646'],
    ['pdf', 'application/pdf', '255044462d'],
  ])(
    'returns %s bytes with their magic number, Content-Type and download headers',
    async (format, type, magic) => {
      const res = await svc.capture({
        url: fixture.url('/text'),
        format,
        window_width: 640,
        window_height: 360,
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      const body = res.body as Buffer;
      expect(body.subarray(0, magic.length / 2).toString('hex')).toBe(magic);
      expect(Number(res.headers['content-length'])).toBe(body.length);
      expect(res.headers['content-disposition']).toBe(`attachment; filename=screenshot.${format}`);
      expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
      expect(res.headers['server-timing']).toMatch(
        /queue;dur=\d+, navigate;dur=\d+, wait;dur=\d+, capture;dur=\d+/,
      );
      expect(res.headers['x-target-status']).toBe('200');
      if (format === 'webp') expect(body.subarray(8, 12).toString()).toBe('WEBP');
    },
  );

  it('returns the rendered HTML as text/html', async () => {
    const res = await svc.capture({ url: fixture.url('/text'), format: 'html', wait_for_network: 'none' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename=screenshot.html');
    expect(res.body.toString()).toContain('<h1>Pixashot fixture</h1>');
  });

  it('reports the final URL and status after a redirect', async () => {
    const res = await svc.capture({ url: fixture.url('/redirect'), wait_for_network: 'none' });
    expect(res.status).toBe(200);
    expect(res.headers['x-final-url']).toBe(fixture.url('/text'));
    expect(res.headers['x-target-status']).toBe('200');
  });

  it('makes a PNG of viewport x density pixels (1280x720 at 2 is 2560x1440)', async () => {
    const res = await svc.capture({
      url: fixture.url('/text'),
      window_width: 1280,
      window_height: 720,
      pixel_density: 2,
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 2560, height: 1440 });
    // the red box at CSS (40,30) lands at device pixel (80,60) and beyond
    expect(pixel(res.body, 100, 80).slice(0, 3)).toEqual([255, 0, 0]);
  });

  it("crops to the selector's box", async () => {
    const res = await svc.capture({ url: fixture.url('/text'), selector: '#box', wait_for_network: 'none' });
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 200, height: 100 });
    expect(pixel(res.body, 100, 50).slice(0, 3)).toEqual([255, 0, 0]);
  });

  it('captures the whole document height with full_page', async () => {
    const res = await svc.capture({
      url: fixture.url('/tall'),
      full_page: true,
      window_width: 800,
      window_height: 600,
    });
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 800, height: 3000 });
    expect(res.headers['x-capture-truncated']).toBeUndefined();
  });

  it('caps a 40000 px page at MAX_CAPTURE_HEIGHT and says so', async () => {
    const res = await svc.capture({
      url: fixture.url('/very-tall'),
      full_page: true,
      window_width: 400,
      window_height: 600,
      format: 'jpeg',
      image_quality: 50,
      response_type: 'json',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-capture-truncated']).toBe('true');
    expect(res.body.metadata).toMatchObject({ width: 400, height: 16384, truncated: true });
  });

  it('waits for an element the page adds after 1 s', async () => {
    const res = await svc.capture({
      url: fixture.url('/late'),
      wait_for_selector: '#late',
      wait_for_network: 'none',
      format: 'html',
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('<div id="late">here</div>');
  });

  it('answers 504 TimeoutError when wait_for_selector never matches', async () => {
    const res = await svc.capture({
      url: fixture.url('/text'),
      wait_for_selector: '#never',
      wait_for_timeout: 1500,
      wait_for_network: 'none',
    });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ status: 'error', error_type: 'TimeoutError' });
    expect(res.body.error_details).toContain('#never');
  });

  it('renders html_content', async () => {
    const res = await svc.capture({
      html_content: '<body style="margin:0;background:rgb(0,128,255)"><h1>inline</h1></body>',
      window_width: 300,
      window_height: 200,
    });
    expect(res.status).toBe(200);
    expect(pngSize(res.body)).toEqual({ width: 300, height: 200 });
    expect(pixel(res.body, 290, 190).slice(0, 3)).toEqual([0, 128, 255]);
  });

  it('returns base64 and metadata with response_type json', async () => {
    const res = await svc.capture({
      url: fixture.url('/text'),
      window_width: 500,
      window_height: 400,
      response_type: 'json',
      wait_for_network: 'none',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const png = Buffer.from(res.body.file, 'base64');
    expect(pngSize(png)).toEqual({ width: 500, height: 400 });
    expect(res.body.format).toBe('png');
    expect(res.body.metadata).toMatchObject({
      final_url: fixture.url('/text'),
      status_code: 200,
      title: 'Fixture page',
      width: 500,
      height: 400,
      network_idle: true,
      truncated: false,
    });
    expect(res.body.metadata.duration_ms).toBeGreaterThan(0);
  });

  it('counts PDF pages in the JSON metadata', async () => {
    const res = await svc.capture({ url: fixture.url('/tall'), format: 'pdf', response_type: 'json' });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body.file, 'base64').subarray(0, 4).toString()).toBe('%PDF');
    // 3000 CSS px of content at A4 (1123 px per page minus margins) is 3 pages
    expect(res.body.metadata.page_count).toBeGreaterThanOrEqual(3);
  });

  it('prints only pdf_page_ranges', async () => {
    const res = await svc.capture({
      url: fixture.url('/tall'),
      format: 'pdf',
      pdf_page_ranges: '1',
      pdf_landscape: true,
      response_type: 'json',
    });
    expect(res.status).toBe(200);
    expect(res.body.metadata.page_count).toBe(1);
  });

  it('answers 204 with no body for response_type empty', async () => {
    const res = await svc.capture({
      url: fixture.url('/text'),
      response_type: 'empty',
      wait_for_network: 'none',
    });
    expect(res.status).toBe(204);
    expect(res.body.length ?? 0).toBe(0);
  });
});
