// Pages, upstreams and request bodies that attack the service. Every case: answered within its
// deadline, never a 500, the process still answering, and the next ordinary capture still works.
import { Socket } from 'node:net';
import { FixtureServer } from './helpers/fixture-server';
import { startApp, TestApp, waitFor } from './helpers/app';
import { pixel, pngSize } from './helpers/images';

const MAX_CAPTURE_HEIGHT = 8000;
const MAX_CAPTURE_PIXELS = 4_000_000;
const MAX_PDF_BYTES = 100_000;
const MAX_HTML_OUTPUT_BYTES = 100_000;
const QUICK = { wait_for_network: 'none', wait_for_timeout: 5000 } as const;

/** A page that lies about its size to page JS: Math.max, scrollHeight and offsetHeight all say 300. */
const LYING_PAGE = `<!doctype html><html><body style="margin:0">
<div style="height:100000px;background:linear-gradient(#ff0000,#0000ff)"></div>
<script>
  Math.max = () => 300;
  for (const proto of [Element.prototype, HTMLElement.prototype]) {
    Object.defineProperty(proto, 'scrollHeight', { get: () => 300 });
    Object.defineProperty(proto, 'offsetHeight', { get: () => 300 });
  }
  Date.now = () => 0;
</script></body></html>`;

/** Sends raw bytes, optionally more later; resolves with what the server answered and when the socket closed. */
function rawExchange(
  port: number,
  head: string,
  drip?: { chunk: string; everyMs: number },
): Promise<{ answer: string; ms: number; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = new Socket();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: Date.now() - started, closedByServer: true });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // a reset while we still write counts as the server closing
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
      reject(err);
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (drip) timer = setInterval(() => socket.writable && socket.write(drip.chunk), drip.everyMs);
    });
    setTimeout(() => {
      socket.destroy();
      resolve({ answer, ms: Date.now() - started, closedByServer: false });
    }, 30_000).unref();
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);

describe('hostile content', () => {
  let fixture: FixtureServer;
  let svc: TestApp;
  let port: number;
  const endlessOpen = new Set<string>();

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/liar', LYING_PAGE)
      .page('/ok', '<body style="margin:0;background:rgb(0,128,0)"><h1>ok</h1></body>')
      .route('/loop', (_req, res) => {
        res.writeHead(302, { Location: '/loop' });
        res.end();
      })
      .route('/endless', (req, res) => {
        // a body that never ends: a chunk every 50 ms until the client goes away
        const image = (req.url ?? '').includes('as=image');
        res.writeHead(200, { 'Content-Type': image ? 'image/png' : 'text/html' });
        res.write(image ? PNG_SIGNATURE : '<html><body><p>streaming');
        endlessOpen.add(req.url ?? '');
        const timer = setInterval(() => res.write(image ? Buffer.alloc(64) : '<span>more</span>'), 50);
        res.on('close', () => {
          clearInterval(timer);
          endlessOpen.delete(req.url ?? '');
        });
      })
      .page(
        '/endless-image',
        '<body style="margin:0;background:rgb(0,128,0)"><img src="/endless?as=image"></body>',
      )
      .route('/download', (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': 'attachment; filename="pixashot-hostile-download.bin"',
        });
        res.end(Buffer.alloc(64 * 1024, 7));
      })
      .page(
        '/download-link',
        '<body style="margin:0;background:rgb(0,128,0)"><a id="d" href="/download" download="pixashot-hostile-link.bin">get</a></body>',
      )
      .start();
    svc = await startApp({
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      MAX_CAPTURE_HEIGHT: String(MAX_CAPTURE_HEIGHT),
      MAX_CAPTURE_PIXELS: String(MAX_CAPTURE_PIXELS),
      MAX_PDF_BYTES: String(MAX_PDF_BYTES),
      MAX_HTML_OUTPUT_BYTES: String(MAX_HTML_OUTPUT_BYTES),
      REQUEST_BODY_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '60000',
    });
    port = svc.app.getHttpServer().address().port;
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  // After every attack: the process answers, and an ordinary capture still works.
  afterEach(async () => {
    expect((await svc.http().get('/health/live')).status).toBe(200);
    const res = await svc.capture({
      url: fixture.url('/ok'),
      window_width: 200,
      window_height: 100,
      ...QUICK,
    });
    expect(res.status).toBe(200);
    expect(pixel(res.body, 10, 90).slice(0, 3)).toEqual([0, 128, 0]);
  });

  /** Runs a capture and checks the answer came within `deadlineMs` and is no 500. */
  const attack = async (body: object, deadlineMs: number) => {
    const started = Date.now();
    const res = await svc.capture(body);
    expect(Date.now() - started).toBeLessThan(deadlineMs);
    expect(res.status).not.toBe(500);
    return res;
  };

  describe('pages that lie about their size', () => {
    it('full_page: a page whose Math.max and scrollHeight say 300 px is cut at MAX_CAPTURE_HEIGHT, measured by Chrome', async () => {
      const res = await attack(
        {
          url: fixture.url('/liar'),
          full_page: true,
          window_width: 400,
          window_height: 300,
          response_type: 'json',
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      expect(res.body.metadata).toMatchObject({ width: 400, height: MAX_CAPTURE_HEIGHT, truncated: true });
      // the gradient runs over 100000 px: at 8000 px it is still nearly red, so this is the real page's top
      const png = Buffer.from(res.body.file, 'base64');
      expect(pixel(png, 10, MAX_CAPTURE_HEIGHT - 1)[0]).toBeGreaterThan(200);
    });

    it('full_page at density 3: the pixel budget cuts the height further, and says so', async () => {
      const res = await attack(
        {
          url: fixture.url('/liar'),
          full_page: true,
          window_width: 400,
          window_height: 300,
          pixel_density: 3,
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      const { width, height } = pngSize(res.body);
      expect(width).toBe(1200);
      expect(width * height).toBeLessThanOrEqual(MAX_CAPTURE_PIXELS);
      expect(width * (height + 3)).toBeGreaterThan(MAX_CAPTURE_PIXELS); // cut at the budget, not far below
    });

    it('selector: a huge element at density 3 is cut to the budget (width x height x density²)', async () => {
      const res = await attack(
        {
          html_content:
            '<body style="margin:0"><div id="huge" style="width:3000px;height:60000px;background:rgb(255,0,0)"></div></body>',
          selector: '#huge',
          pixel_density: 3,
          window_width: 600,
          window_height: 400,
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      const { width, height } = pngSize(res.body);
      expect(width).toBe(9000);
      expect(width * height).toBeLessThanOrEqual(MAX_CAPTURE_PIXELS);
      expect(pixel(res.body, 4500, height - 1).slice(0, 3)).toEqual([255, 0, 0]);
    });

    it('selector: an element taller than MAX_CAPTURE_HEIGHT is cut there even within the pixel budget', async () => {
      const res = await attack(
        {
          html_content:
            '<body style="margin:0"><div id="tall" style="width:100px;height:30000px;background:#00f"></div></body>',
          selector: '#tall',
          window_width: 400,
          window_height: 300,
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      expect(pngSize(res.body)).toEqual({ width: 100, height: MAX_CAPTURE_HEIGHT });
    });

    it('clip: a rectangle as tall as the API allows, at density 3, is cut to the pixel budget, and says so', async () => {
      const res = await attack(
        {
          html_content: '<body style="margin:0;background:rgb(255,0,0)"></body>',
          clip: { x: 0, y: 0, width: 4000, height: 16384 },
          pixel_density: 3,
          window_width: 400,
          window_height: 300,
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      const { width, height } = pngSize(res.body);
      expect(width).toBe(12000);
      expect(width * height).toBeLessThanOrEqual(MAX_CAPTURE_PIXELS);
      expect(width * (height + 3)).toBeGreaterThan(MAX_CAPTURE_PIXELS); // cut at the budget, not far below
      expect(pixel(res.body, 6000, height - 1).slice(0, 3)).toEqual([255, 0, 0]);
    });

    it('a viewport over the pixel budget (16384 x 16384 at density 3) is a 400 before Chrome lays it out', async () => {
      const res = await attack(
        {
          html_content: '<body style="background:#0f0"></body>',
          window_width: 16384,
          window_height: 16384,
          pixel_density: 3,
          ...QUICK,
        },
        10_000,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_type: 'ValidationError' });
      expect(res.body.error_details).toContain('MAX_CAPTURE_PIXELS');
    });

    it('html: a page that breaks outerHTML still gets its markup (from Chrome), cut at MAX_HTML_OUTPUT_BYTES', async () => {
      const res = await attack(
        {
          html_content: `<body><p id="first">first</p>${'<p>filler text</p>'.repeat(20000)}<script>
            Object.defineProperty(Element.prototype, 'outerHTML', { get() { throw new Error('no markup for you'); } });
            XMLSerializer.prototype.serializeToString = () => { while (true) {} };
          </script></body>`,
          format: 'html',
          ...QUICK,
        },
        30_000,
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-capture-truncated']).toBe('true');
      expect(res.body.length).toBeLessThanOrEqual(MAX_HTML_OUTPUT_BYTES);
      expect(res.body.length).toBeGreaterThan(MAX_HTML_OUTPUT_BYTES - 8);
      expect(res.body.toString('utf8')).toContain('<p id="first">first</p>');
    });

    it('pdf: a document over MAX_PDF_BYTES is a 422 OutputTooLargeError, not a 500 or a partial file', async () => {
      const res = await attack(
        {
          html_content: `<body>${'<p>a line of text that makes the PDF long</p>'.repeat(20000)}</body>`,
          format: 'pdf',
          ...QUICK,
        },
        60_000,
      );
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error_type: 'OutputTooLargeError' });
      expect(res.body.error_details).toContain('MAX_PDF_BYTES');
    });
  });

  describe('pages that misbehave', () => {
    it('a script that allocates without end crashes only its own renderer: 502, fast', async () => {
      const res = await attack(
        {
          html_content: '<script>const hog = []; for (;;) hog.push(new Array(1e6).fill(1.5));</script>',
          ...QUICK,
          wait_for_timeout: 60_000,
        },
        45_000,
      );
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ error_type: 'NavigationError' });
      expect(res.body.error_details).toMatch(/crashed/);
    });

    it('a redirect loop is a 502 NavigationError', async () => {
      const res = await attack({ url: fixture.url('/loop'), ...QUICK }, 20_000);
      expect(res.status).toBe(502);
      expect(res.body.error_details).toMatch(/REDIRECT/);
    });

    it('a main document that never ends is a 504 at wait_for_timeout, and its stream is cut', async () => {
      const res = await attack(
        { url: fixture.url('/endless?as=document'), ...QUICK, wait_for_timeout: 3000 },
        15_000,
      );
      expect(res.status).toBe(504);
      expect(await waitFor(() => !endlessOpen.has('/endless?as=document'), 10_000)).toBe(true);
    });

    it('an image that never ends holds the load event: 504 at wait_for_timeout, and its stream is cut', async () => {
      const res = await attack(
        { url: fixture.url('/endless-image'), ...QUICK, wait_for_timeout: 3000 },
        15_000,
      );
      expect(res.status).toBe(504);
      expect(await waitFor(() => !endlessOpen.has('/endless?as=image'), 10_000)).toBe(true);
    });

    it('a target that is a download (Content-Disposition: attachment) is a 502, nothing is saved', async () => {
      const res = await attack({ url: fixture.url('/download'), ...QUICK }, 20_000);
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ error_type: 'NavigationError' });
    });

    it('clicking an <a download> captures the page and downloads nothing', async () => {
      const before = fixture.hits('/download').length;
      const res = await attack(
        {
          url: fixture.url('/download-link'),
          interactions: [{ action: 'click', selector: '#d' }],
          window_width: 200,
          window_height: 100,
          ...QUICK,
        },
        20_000,
      );
      expect(res.status).toBe(200);
      expect(pixel(res.body, 150, 80).slice(0, 3)).toEqual([0, 128, 0]);
      expect(fixture.hits('/download').length - before).toBeLessThanOrEqual(1);
    });

    it('a popup storm (window.open in a loop, popups allowed) is answered and leaves no page open', async () => {
      const res = await attack(
        {
          html_content: `<body style="background:#0f0"><script>
            for (let i = 0; i < 50; i++) window.open('about:blank#' + i);
            setInterval(() => { for (let i = 0; i < 5; i++) window.open('about:blank'); }, 100);
          </script></body>`,
          block_popups: false,
          window_width: 200,
          window_height: 100,
          ...QUICK,
          wait_for_timeout: 15_000,
        },
        45_000,
      );
      expect(res.status).toBe(200);
      expect(await waitFor(() => svc.pool.stats().activePages === 0, 15_000)).toBe(true);
    });
  });

  describe('request bodies', () => {
    const postRaw = (text: string) =>
      svc.http().post('/capture').set('Content-Type', 'application/json').send(text);

    it('a JSON body nested 20000 deep is a 400, not a 500', async () => {
      const res = await postRaw(
        `{"html_content":"<p>x</p>","deep":${'['.repeat(20000)}${']'.repeat(20000)}}`,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_type: 'ValidationError' });
      expect(res.body.error_details).toMatch(/nested deeper than 32/);
    });

    it('an object with 50000 keys is a 400', async () => {
      const keys = Array.from({ length: 50000 }, (_, i) => `"k${i}":1`).join(',');
      const res = await postRaw(`{"html_content":"<p>x</p>",${keys}}`);
      expect(res.status).toBe(400);
      expect(res.body.error_details).toMatch(/more than 1000 keys or items/);
    });

    it('an array of 200000 items is a 400', async () => {
      const res = await postRaw(
        `{"html_content":"<p>x</p>","hide_selectors":[${Array(200000).fill('"a"').join(',')}]}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error_details).toMatch(/more than 1000 keys or items/);
    });

    it('a client that sends its body slowly gets a 408 at REQUEST_BODY_TIMEOUT_MS and the connection closes', async () => {
      const { answer, ms, closedByServer } = await rawExchange(
        port,
        'POST /capture HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"html_content":"',
        { chunk: 'a', everyMs: 200 },
      );
      expect(statusOf(answer)).toBe(408);
      expect(answer).toContain('"error_type":"TimeoutError"');
      expect(closedByServer).toBe(true);
      expect(ms).toBeLessThan(10_000);
    });
  });
});

describe('hostile bodies with authentication on', () => {
  const TOKEN = 'hostile-body-spec-token-0123456789abcdef';
  let svc: TestApp;
  let port: number;

  beforeAll(async () => {
    svc = await startApp({ AUTH_TOKEN: TOKEN, BROWSER_POOL_MIN: '0', MAX_HTML_BYTES: '4096' });
    port = svc.app.getHttpServer().address().port;
  });

  afterAll(async () => {
    await svc?.close();
  });

  const hugeBodyHead = (auth: string) =>
    `POST /capture HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}Content-Length: 50000000\r\n\r\n{"html_content":"`;

  it.each([
    ['no credentials', 401, ''],
    ['a wrong token', 403, `Authorization: Bearer ${'w'.repeat(40)}\r\n`],
  ])(
    'with %s, a 50 MB body is answered %d at once, never read, and the connection closed',
    async (_, status, auth) => {
      const { answer, ms, closedByServer } = await rawExchange(port, hugeBodyHead(auth as string), {
        chunk: 'a'.repeat(16 * 1024),
        everyMs: 5,
      });
      expect(statusOf(answer)).toBe(status);
      expect(closedByServer).toBe(true);
      expect(ms).toBeLessThan(5000);
    },
  );

  it('with the right token, the same body is refused for its size (413) at once, not read', async () => {
    const { answer, ms, closedByServer } = await rawExchange(
      port,
      hugeBodyHead(`Authorization: Bearer ${TOKEN}\r\n`),
      {
        chunk: 'a'.repeat(16 * 1024),
        everyMs: 5,
      },
    );
    expect(statusOf(answer)).toBe(413);
    expect(answer).toContain('"error_type":"PayloadTooLargeError"');
    expect(closedByServer).toBe(true);
    expect(ms).toBeLessThan(5000);
  });

  it('still answers an ordinary authenticated request afterwards', async () => {
    const res = await svc
      .http()
      .post('/capture')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ url: 'ftp://x' });
    expect(res.status).toBe(400);
    expect((await svc.http().get('/health/live')).status).toBe(200);
  });
});
