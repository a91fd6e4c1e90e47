import puppeteer, { Browser } from 'puppeteer-core';
import { chromeArgs, headlessModeFor, resolveChromePath } from '../src/browser-pool/chrome-path';
import { startApp, TestApp } from './helpers/app';
import { pngSize } from './helpers/images';

const SMALL = { window_width: 200, window_height: 100, wait_for_network: 'none' };

describe('content_disposition', () => {
  let svc: TestApp;
  let browser: Browser | undefined;

  beforeAll(async () => {
    svc = await startApp();
  });

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
  });

  it('answers attachment by default and inline when asked, on POST and GET', async () => {
    const attached = await svc.capture({ html_content: '<p>a</p>', ...SMALL });
    expect(attached.status).toBe(200);
    expect(attached.headers['content-disposition']).toBe('attachment; filename=screenshot.png');

    const inline = await svc.capture({ html_content: '<p>a</p>', content_disposition: 'inline', ...SMALL });
    expect(inline.status).toBe(200);
    expect(inline.headers['content-disposition']).toBe('inline; filename=screenshot.png');
    expect(pngSize(inline.body)).toEqual({ width: 200, height: 100 });

    const get = await svc
      .http()
      .get('/capture')
      .query({ html_content: '<p>b</p>', format: 'jpeg', content_disposition: 'inline', ...SMALL });
    expect(get.status).toBe(200);
    expect(get.headers['content-disposition']).toBe('inline; filename=screenshot.jpeg');
  });

  it('refuses any other value with a 400 naming the choices', async () => {
    const res = await svc.capture({ html_content: '<p>a</p>', content_disposition: 'download' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'ValidationError' });
    expect(res.body.error_details).toContain('content_disposition must be one of the following values');
  });

  it('shows the capture in the Swagger UI: "Try it out" + Execute on POST /capture gives an <img>', async () => {
    const chromePath = resolveChromePath(process.env.CHROME_PATH);
    browser = await puppeteer.launch({
      executablePath: chromePath,
      headless: headlessModeFor(chromePath),
      args: chromeArgs(false), // the tests run as root, where Chrome refuses its sandbox
    });
    const page = await browser.newPage();
    const { port } = svc.app.getHttpServer().address() as { port: number };
    await page.goto(`http://127.0.0.1:${port}/docs`, { waitUntil: 'load' });
    const op = '#operations-capture-CaptureController_capturePost';
    await page.waitForSelector(`${op} .opblock-summary-control`);
    await page.click(`${op} .opblock-summary-control`); // expand the operation
    const tryOut = await page.waitForSelector(`${op} .try-out__btn`);
    await tryOut!.click();
    // the body "Try it out" fills in is the first example: HTML, content_disposition inline
    const body = await page.$eval(
      `${op} textarea.body-param__text`,
      (el) => (el as HTMLTextAreaElement).value,
    );
    expect(JSON.parse(body)).toMatchObject({ content_disposition: 'inline' });
    await page.click(`${op} .execute`);
    const img = await page.waitForSelector(`${op} .live-responses-table img`, { timeout: 60_000 });
    const shown = await img!.evaluate(async (el) => {
      const image = el as HTMLImageElement;
      await image.decode();
      return { width: image.naturalWidth, height: image.naturalHeight };
    });
    expect(shown).toEqual({ width: 800, height: 400 }); // the example's viewport
    const downloadLinks = await page.$$(`${op} .live-responses-table a[download]`);
    expect(downloadLinks).toHaveLength(0);
  });
});
