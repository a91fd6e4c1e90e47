import { imageSize } from 'image-size';
import type { Page, ScreenshotOptions } from 'puppeteer-core';
import { ElementNotFoundError } from '../common/errors';
import { CONTENT_TYPES } from './capture-defaults';
import type { CaptureOptions } from './capture-options';
import { printPdf } from './pdf-document';

export interface Rendered {
  body: Buffer;
  contentType: string;
  width?: number;
  height?: number;
  page_count?: number;
  truncated: boolean;
}

/** Height of the scrollable document in CSS px. */
const documentHeight = (page: Page) =>
  page.evaluate(() =>
    Math.max(
      document.documentElement.scrollHeight,
      document.body?.scrollHeight ?? 0,
      document.documentElement.offsetHeight,
    ),
  );

/** Produces the requested output from a page that is ready. */
export async function render(page: Page, opts: CaptureOptions, maxHeight: number): Promise<Rendered> {
  const contentType = CONTENT_TYPES[opts.format];
  if (opts.format === 'html') {
    return { body: Buffer.from(await page.content(), 'utf8'), contentType, truncated: false };
  }
  if (opts.format === 'pdf') {
    return { contentType, ...(await printPdf(page, opts, maxHeight)) };
  }

  const shot: ScreenshotOptions = {
    type: opts.format,
    omitBackground: opts.omit_background,
    optimizeForSpeed: true,
    ...(opts.format === 'png' ? {} : { quality: opts.image_quality }),
  };
  let truncated = false;
  let bytes: Uint8Array;
  if (opts.selector) {
    const element = await page.$(opts.selector).catch(() => null);
    if (!element) throw new ElementNotFoundError(`No element matches selector "${opts.selector}"`);
    try {
      bytes = await element.screenshot(shot);
    } catch {
      throw new ElementNotFoundError(`The element "${opts.selector}" has no visible box to capture`);
    } finally {
      await element.dispose().catch(() => undefined);
    }
  } else if (opts.full_page) {
    const height = await documentHeight(page);
    truncated = height > maxHeight;
    bytes = await page.screenshot(
      truncated
        ? {
            ...shot,
            clip: { x: 0, y: 0, width: opts.window_width, height: maxHeight },
            captureBeyondViewport: true,
          }
        : { ...shot, fullPage: true },
    );
  } else {
    bytes = await page.screenshot(shot);
  }
  const body = Buffer.from(bytes);
  const { width, height } = imageSize(body);
  return { body, contentType, width, height, truncated };
}
