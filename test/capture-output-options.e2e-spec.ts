import { PNG } from 'pngjs';
import { FixtureServer } from './helpers/fixture-server';
import { pixel, pngSize } from './helpers/images';
import { near } from './helpers/page-probe';
import { paintedArea, PdfPage, readPdf } from './helpers/pdf';
import { startApp, TestApp } from './helpers/app';

const RED = [255, 0, 0];
const WHITE = [255, 255, 255];

/** PDF points per CSS length unit (1 pt = 1/72 in, 1 px = 1/96 in). */
const PT_PER_MM = 72 / 25.4;
const PT_PER_PX = 72 / 96;

/** The page's background colour, and how a PDF content stream writes it (`r g b rg`, 0..1). */
const PRINT_BG = 'rgb(51,102,153)';
const PRINT_BG_RG: [number, number, number] = [0.2, 0.4, 0.6];

/**
 * Noise no encoder can squeeze: every pixel a different colour from a seeded
 * generator, so the image (and its size at a given quality) is the same on
 * every run.
 */
const NOISE = `<!doctype html><html><head><style>html,body{margin:0}canvas{display:block}</style></head><body>
<canvas id="c" width="400" height="300"></canvas><script>
const ctx = document.getElementById('c').getContext('2d');
const img = ctx.createImageData(400, 300);
let seed = 42;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256;
for (let i = 0; i < img.data.length; i += 4) {
  img.data[i] = next(); img.data[i + 1] = next(); img.data[i + 2] = next(); img.data[i + 3] = 255;
}
ctx.putImageData(img, 0, 0);
</script></body></html>`;

/** Nothing paints the canvas but a red 100x100 box at (0,0). */
const TRANSPARENT = `<!doctype html><html><head><style>html,body{margin:0;background:transparent}</style></head>
<body><div style="width:100px;height:100px;background:rgb(255,0,0)"></div></body></html>`;

/**
 * For the PDF options: a coloured page background, a red 400x200 px box at
 * the top left, 2000 CSS px in all (two A4 pages at scale 1, one at 0.5:
 * an A4 page is 1123 px tall).
 */
const PRINT = `<!doctype html><html><head><style>html,body{margin:0;background:${PRINT_BG}}</style></head><body>
<div id="box" style="width:400px;height:200px;background:rgb(255,0,0)"></div>
<div style="height:1800px"></div></body></html>`;

const TALL = `<!doctype html><html><head><style>html,body{margin:0;background:#fff}</style></head>
<body><div style="height:3000px;background:linear-gradient(#00f,#0f0)"></div></body></html>`;

/**
 * After its load event the page asks /late-data (answered after 700 ms) and
 * writes the answer into #data. `?busy` first opens two requests that never
 * end, so three are in flight until the late answer and two forever after.
 */
const LATE = `<!doctype html><html><body><div id="data">waiting</div><script>
addEventListener('load', async () => {
  if (location.search === '?busy') { fetch('/hang?1'); fetch('/hang?2'); }
  const text = await (await fetch('/late-data')).text();
  document.getElementById('data').textContent = text;
});
</script></body></html>`;
const LATE_PAYLOAD = 'payload-from-the-server';

/** The margins around the printed page background: the page area is where Chrome paints it. */
function backgroundMargins(page: PdfPage) {
  const area = paintedArea(page, PRINT_BG_RG);
  expect(area).toBeDefined();
  return {
    top: area!.top,
    right: page.width - area!.left - area!.width,
    bottom: page.height - area!.top - area!.height,
    left: area!.left,
  };
}

/** Within 2 pt (Chrome rounds paper sizes to its own device units). */
const expectPt = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(2);

describe('POST /capture: output options, network waits and output templates (real Chromium)', () => {
  let fixture: FixtureServer;
  let svc: TestApp;

  beforeAll(async () => {
    fixture = await new FixtureServer()
      .page('/noise', NOISE)
      .page('/transparent', TRANSPARENT)
      .page('/print', PRINT)
      .page('/tall', TALL)
      .page('/late', LATE)
      .route('/late-data', (_req, res) => {
        setTimeout(() => res.end(LATE_PAYLOAD), 700);
      })
      .route('/hang', () => undefined) // never answers; the capture's context closing ends it
      .start();
    svc = await startApp({ NETWORK_ALLOW: `127.0.0.1:${fixture.port}` });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
  });

  const shot = async (body: object) => {
    const res = await svc.capture({ wait_for_network: 'none', ...body });
    expect(res.status).toBe(200);
    return res.body as Buffer;
  };
  const pdf = async (body: object) =>
    readPdf(await shot({ url: fixture.url('/print'), format: 'pdf', ...body }));

  describe('image_quality', () => {
    it.each(['jpeg', 'webp'])(
      'a %s at quality 10 is far smaller than at 95 of the same page',
      async (format) => {
        const at = (image_quality: number) =>
          shot({ url: fixture.url('/noise'), format, image_quality, window_width: 400, window_height: 300 });
        const low = await at(10);
        const high = await at(95);
        expect(low.length * 2).toBeLessThan(high.length);
      },
    );
  });

  describe('omit_background', () => {
    const capture = (format: string, omit_background: boolean) =>
      shot({
        url: fixture.url('/transparent'),
        format,
        omit_background,
        window_width: 300,
        window_height: 200,
      });

    it('leaves what the page does not paint transparent in a png (alpha 0); the painted box stays opaque', async () => {
      const png = await capture('png', true);
      expect(PNG.sync.read(png).alpha).toBe(true);
      expect(pixel(png, 200, 150)[3]).toBe(0);
      expect(pixel(png, 50, 50)).toEqual([...RED, 255]);
    });

    it('paints the default white background without it', async () => {
      const png = await capture('png', false);
      expect(pixel(png, 200, 150)).toEqual([...WHITE, 255]);
      expect(pixel(png, 50, 50)).toEqual([...RED, 255]);
    });

    it('gives a webp an alpha channel (the VP8X alpha flag) only when set', async () => {
      const vp8xAlpha = (webp: Buffer) => {
        expect(webp.subarray(12, 16).toString()).toBe('VP8X'); // the extended format says what it carries
        return (webp[20] & 0x10) !== 0;
      };
      expect(vp8xAlpha(await capture('webp', true))).toBe(true);
      expect(vp8xAlpha(await capture('webp', false))).toBe(false);
    });
  });

  describe('PDF layout', () => {
    it.each([
      ['A4', 595, 842],
      ['A5', 420, 595],
      ['Letter', 612, 792],
      ['Legal', 612, 1008],
    ])('pdf_format %s gives pages of %d x %d pt', async (pdf_format, width, height) => {
      const pages = await pdf({ pdf_format });
      expect(pages.length).toBeGreaterThan(0);
      for (const page of pages) {
        expectPt(page.width, width);
        expectPt(page.height, height);
      }
    });

    it('pdf_landscape turns the paper: A5 landscape is 595 x 420 pt', async () => {
      const [page] = await pdf({ pdf_format: 'A5', pdf_landscape: true });
      expectPt(page.width, 595);
      expectPt(page.height, 420);
    });

    it('pdf_width and pdf_height set the paper in CSS units and override pdf_format', async () => {
      const [mm] = await pdf({ pdf_format: 'Letter', pdf_width: '100mm', pdf_height: '150mm' });
      expectPt(mm.width, 100 * PT_PER_MM);
      expectPt(mm.height, 150 * PT_PER_MM);
      const [inches] = await pdf({ pdf_width: '5in', pdf_height: '7in' });
      expectPt(inches.width, 5 * 72);
      expectPt(inches.height, 7 * 72);
      const [px] = await pdf({ pdf_width: '600px', pdf_height: '800' }); // a bare number is px
      expectPt(px.width, 600 * PT_PER_PX);
      expectPt(px.height, 800 * PT_PER_PX);
    });

    it('pdf_scale 0.5 prints the content at half size: the 400x200 px box is 150x75 pt, and 2000 px fit on one A4 page', async () => {
      const json = async (pdf_scale: number) => {
        const res = await svc.capture({
          url: fixture.url('/print'),
          format: 'pdf',
          pdf_scale,
          response_type: 'json',
          wait_for_network: 'none',
        });
        expect(res.status).toBe(200);
        return { pages: readPdf(Buffer.from(res.body.file, 'base64')), count: res.body.metadata.page_count };
      };
      const full = await json(1);
      const half = await json(0.5);
      expect(full.count).toBe(2);
      expect(half.count).toBe(1);
      expect(half.pages).toHaveLength(1);
      const fullBox = paintedArea(full.pages[0], [1, 0, 0])!;
      const halfBox = paintedArea(half.pages[0], [1, 0, 0])!;
      expectPt(fullBox.width, 400 * PT_PER_PX);
      expectPt(fullBox.height, 200 * PT_PER_PX);
      expectPt(halfBox.width, 200 * PT_PER_PX);
      expectPt(halfBox.height, 100 * PT_PER_PX);
    });

    it('pdf_print_background true paints the page background colour; false leaves it out', async () => {
      const [printed] = await pdf({ pdf_print_background: true });
      const area = paintedArea(printed, PRINT_BG_RG);
      expect(area).toBeDefined();
      // the whole sheet (no margins by default)
      expectPt(area!.width, printed.width);
      expectPt(area!.height, printed.height);
      const [plain] = await pdf({ pdf_print_background: false });
      expect(paintedArea(plain, PRINT_BG_RG)).toBeUndefined();
    });

    it('pdf_margin_top/right/bottom/left keep each side of the page blank by that much', async () => {
      const [page] = await pdf({
        pdf_margin_top: '10mm',
        pdf_margin_right: '20mm',
        pdf_margin_bottom: '30mm',
        pdf_margin_left: '1in',
      });
      const margins = backgroundMargins(page);
      expectPt(margins.top, 10 * PT_PER_MM);
      expectPt(margins.right, 20 * PT_PER_MM);
      expectPt(margins.bottom, 30 * PT_PER_MM);
      expectPt(margins.left, 72);
      // the content starts at the top left corner of the page area
      const box = paintedArea(page, [1, 0, 0])!;
      expectPt(box.left, 72);
      expectPt(box.top, 10 * PT_PER_MM);
    });

    it('without margins the content fills the sheet edge to edge', async () => {
      const [page] = await pdf({});
      const margins = backgroundMargins(page);
      for (const side of Object.values(margins)) expectPt(side, 0);
    });
  });

  describe('wait_for_network', () => {
    const late = (query: string, body: object) =>
      svc.capture({ url: fixture.url(`/late${query}`), format: 'html', ...body });

    it('idle waits for a request the page starts after load and captures what it brought', async () => {
      const res = await late('', { wait_for_network: 'idle' });
      expect(res.status).toBe(200);
      expect(res.headers['x-network-idle']).toBe('true');
      expect(res.body.toString()).toContain(`<div id="data">${LATE_PAYLOAD}</div>`);
    });

    it('none captures right after load, without waiting for the requests in flight', async () => {
      // three in flight: any network wait at all would hold the capture until the late answer
      const res = await late('?busy', { wait_for_network: 'none', wait_for_timeout: 3000 });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('<div id="data">waiting</div>');
      expect(res.body.toString()).not.toContain(LATE_PAYLOAD);
    });

    it('idle never comes while requests hang: the capture goes ahead at wait_for_timeout and says network_idle false', async () => {
      const res = await late('?busy', {
        wait_for_network: 'idle',
        wait_for_timeout: 3000,
        response_type: 'json',
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-network-idle']).toBe('false');
      expect(res.body.metadata.network_idle).toBe(false);
      expect(Buffer.from(res.body.file, 'base64').toString()).toContain(LATE_PAYLOAD);
    });

    it('mostly_idle waits out the third request, then goes ahead with two still hanging (network_idle true)', async () => {
      const res = await late('?busy', {
        wait_for_network: 'mostly_idle',
        wait_for_timeout: 3000,
        response_type: 'json',
      });
      expect(res.status).toBe(200);
      expect(res.headers['x-network-idle']).toBe('true');
      expect(res.body.metadata.network_idle).toBe(true);
      expect(Buffer.from(res.body.file, 'base64').toString()).toContain(LATE_PAYLOAD);
    });
  });

  describe('templates', () => {
    it('desktop_full captures the whole 3000 px document at 1920 px wide, not the 1080 px viewport', async () => {
      const png = await shot({ url: fixture.url('/tall'), template: 'desktop_full' });
      expect(pngSize(png)).toEqual({ width: 1920, height: 3000 });
      expect(near(pixel(png, 960, 2990), [0, 255, 0], 40)).toBe(true); // the bottom of the gradient is in it
    });

    it('article_pdf prints A4 with 15 mm margins on every side and the page background', async () => {
      const res = await svc.capture({
        url: fixture.url('/print'),
        template: 'article_pdf',
        wait_for_network: 'none',
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const pages = readPdf(res.body);
      for (const page of pages) {
        expectPt(page.width, 595);
        expectPt(page.height, 842);
      }
      const margins = backgroundMargins(pages[0]);
      for (const side of Object.values(margins)) expectPt(side, 15 * PT_PER_MM);
    });
  });
});
