import { imageSize } from 'image-size';
import type { CDPSession, Page, ScreenshotOptions } from 'puppeteer-core';
import { ElementNotFoundError, OutputTooLargeError } from '../common/errors';
import { CONTENT_TYPES } from './capture-defaults';
import type { CaptureOptions } from './capture-options';
import { resizeImage } from './image-resize';
import { renderMarkdown } from './markdown';
import { fitToBudget, Rect, utf8Prefix } from './capture-budget';
import { printPdf } from './pdf-document';

export interface Rendered {
  body: Buffer;
  contentType: string;
  width?: number;
  height?: number;
  page_count?: number;
  truncated: boolean;
}

/** What one capture may produce (MAX_CAPTURE_HEIGHT, MAX_CAPTURE_PIXELS, MAX_PDF_BYTES, MAX_HTML_OUTPUT_BYTES). */
export interface OutputLimits {
  maxHeight: number;
  maxPixels: number;
  maxPdfBytes: number;
  maxHtmlBytes: number;
}

/** Chrome's answer to a capture it cannot allocate; the budget should keep us below it, this is the net. */
const isTooLargeForChrome = (err: unknown) => err instanceof Error && /Page is too large/i.test(err.message);

/**
 * Produces the requested output from a page that is ready. Every size comes
 * from Chrome (layout metrics, box model, its own serializer), never from
 * the page's scripts, and every output is held to its budget.
 */
export async function render(page: Page, opts: CaptureOptions, limits: OutputLimits): Promise<Rendered> {
  const contentType = CONTENT_TYPES[opts.format];
  if (opts.format === 'markdown') {
    return {
      body: await renderMarkdown(page, opts.selector, opts.wait_for_timeout),
      contentType,
      truncated: false,
    };
  }
  if (opts.format === 'pdf') {
    return { contentType, ...(await printPdf(page, opts, limits.maxHeight, limits.maxPdfBytes)) };
  }
  if (opts.format !== 'html' && isPlainViewport(page, opts))
    return { ...(await screenshot(page, opts)), contentType };
  const session = await page.createCDPSession();
  try {
    if (opts.format === 'html') {
      const { bytes, truncated } = utf8Prefix(await documentHtml(session), limits.maxHtmlBytes);
      return { body: bytes, contentType, truncated };
    }
    return { ...(await renderImage(page, session, opts, limits)), contentType };
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/**
 * The document's markup from Chrome's serializer (DOM.getOuterHTML of the
 * document): a page that redefines outerHTML or XMLSerializer cannot make it
 * throw, hang or lie, as it could `page.content()`.
 */
async function documentHtml(session: CDPSession): Promise<string> {
  const { root } = await session.send('DOM.getDocument', { depth: 0 });
  const { outerHTML } = await session.send('DOM.getOuterHTML', { nodeId: root.nodeId });
  return outerHTML;
}

/**
 * A capture of what a desktop window shows: the viewport's size is the request's window (checked
 * against the pixel budget when the request was read), and a page cannot zoom a desktop window, so
 * Chrome's plain screenshot of the surface is exactly that. It needs no layout metrics (a CDP session
 * attached and detached) and no clip: a clip with captureBeyondViewport makes Chrome resize the page
 * to the clip and back, two extra layouts and frames.
 */
function isPlainViewport(page: Page, opts: CaptureOptions): boolean {
  return !opts.selector && !opts.clip && !opts.full_page && !page.viewport()?.isMobile;
}

const screenshotOptions = (opts: CaptureOptions): ScreenshotOptions => ({
  type: opts.format as 'png' | 'jpeg' | 'webp',
  omitBackground: opts.omit_background,
  optimizeForSpeed: true,
  ...(opts.format === 'png' ? {} : { quality: opts.image_quality }),
});

/** The visible viewport as Chrome composited it (Puppeteer sends no clip and captureBeyondViewport false). */
async function screenshot(page: Page, opts: CaptureOptions): Promise<Omit<Rendered, 'contentType'>> {
  return finishImage(asBuffer(await page.screenshot(screenshotOptions(opts))), opts, false);
}

async function renderImage(page: Page, session: CDPSession, opts: CaptureOptions, limits: OutputLimits) {
  const shot = screenshotOptions(opts);
  const { rect, scale } = opts.selector
    ? { rect: await elementRect(page, session, opts.selector), scale: 1 }
    : await pageRect(session, opts);
  // The budget counts output pixels: a zoomed-out mobile page shows 980 CSS px in a 390 px viewport.
  const output = { ...rect, width: rect.width * scale, height: rect.height * scale };
  const fitted = fitToBudget(output, opts.pixel_density, limits);
  if (!fitted) {
    throw new OutputTooLargeError(
      `Not one row of ${Math.round(output.width)} CSS px at pixel_density ${opts.pixel_density} fits MAX_CAPTURE_PIXELS (${limits.maxPixels})`,
    );
  }
  const clip =
    scale === 1
      ? fitted.clip
      : { ...rect, height: fitted.truncated ? fitted.clip.height / scale : rect.height, scale };
  let bytes: Uint8Array;
  try {
    bytes = await page.screenshot({
      ...shot,
      clip,
      // Chrome takes the clip as given (Puppeteer would cut it to the viewport and drop its scale otherwise)
      captureBeyondViewport: true,
    });
  } catch (err) {
    if (isTooLargeForChrome(err)) {
      throw new OutputTooLargeError('Chrome could not capture an image this large: lower pixel_density');
    }
    throw err;
  }
  return finishImage(asBuffer(bytes), opts, fitted.truncated);
}

/** Puppeteer's bytes as a Buffer over the same memory (Buffer.from(bytes) would copy the image). */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The image's own size, resized when the request asks for image_width / image_height. */
async function finishImage(body: Buffer, opts: CaptureOptions, truncated: boolean) {
  const { width, height } = imageSize(body);
  if (opts.image_width !== undefined || opts.image_height !== undefined) {
    const resized = await resizeImage(
      body,
      { width, height },
      {
        format: opts.format as 'png' | 'jpeg' | 'webp',
        quality: opts.image_quality,
        width: opts.image_width,
        height: opts.image_height,
      },
    );
    return { ...resized, truncated };
  }
  return { body, width, height, truncated };
}

/**
 * What a viewport or full-page capture covers, from Chrome's layout metrics:
 * the viewport where the page is scrolled to, or the whole document height
 * (however the page's scripts report it) at the viewport's width.
 */
async function pageRect(session: CDPSession, opts: CaptureOptions): Promise<{ rect: Rect; scale: number }> {
  // `clip` is in document coordinates: Chrome renders the rectangle even outside the viewport
  if (opts.clip) return { rect: { ...opts.clip }, scale: 1 };
  const { cssVisualViewport: view, cssContentSize: content } = await session.send('Page.getLayoutMetrics');
  if (opts.full_page) {
    const height = Math.max(content.height, view.clientHeight);
    return { rect: { x: 0, y: 0, width: opts.window_width, height }, scale: 1 };
  }
  // the visual viewport at its page scale: what is on screen, in the request's window size
  const rect = { x: view.pageX, y: view.pageY, width: view.clientWidth, height: view.clientHeight };
  return { rect, scale: view.scale };
}

/** The border box of the first element matching `selector`, in document coordinates, from Chrome's box model. */
async function elementRect(page: Page, session: CDPSession, selector: string): Promise<Rect> {
  const element = await page.$(selector).catch(() => null);
  if (!element) throw new ElementNotFoundError(`No element matches selector "${selector}"`);
  const noBox = () => new ElementNotFoundError(`The element "${selector}" has no visible box to capture`);
  try {
    await element.scrollIntoView().catch(() => undefined); // lazy content inside it starts loading
    const box = await element.boxModel().catch(() => null);
    if (!box) throw noBox();
    const xs = box.border.map((p) => p.x);
    const ys = box.border.map((p) => p.y);
    const width = Math.max(...xs) - Math.min(...xs);
    const height = Math.max(...ys) - Math.min(...ys);
    if (!(width > 0 && height > 0)) throw noBox();
    // the box model is relative to the viewport; the clip is in document coordinates
    const { cssVisualViewport: view } = await session.send('Page.getLayoutMetrics');
    return { x: Math.min(...xs) + view.pageX, y: Math.min(...ys) + view.pageY, width, height };
  } finally {
    await element.dispose().catch(() => undefined);
  }
}
