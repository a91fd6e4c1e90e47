import type { Page, PDFOptions } from 'puppeteer-core';
import { OutputTooLargeError } from '../common/errors';
import type { CaptureOptions } from './capture-options';
import type { PdfMetadataDto } from './dto/pdf-metadata.dto';

/**
 * Everything of a PDF capture beyond the screenshot path: Chrome's print
 * options (header/footer, margins, page size, single page, outline, tags)
 * and the document information written afterwards with pdf-lib.
 */

/** The margin a header or footer gets when the request (or its template) sets none on that side. */
export const HEADER_FOOTER_MARGIN = '20mm';

/**
 * Chrome prints header and footer templates at a tiny default size (its own
 * default template sets 10px on a page scaled down); this wrapper gives text
 * without a size of its own a legible one, and the page's side margins as
 * padding so it lines up with the content. Print values (pageNumber,
 * totalPages, date, title, url) are filled by class inside it as anywhere.
 */
export const HEADER_FOOTER_STYLE =
  'width:100%;box-sizing:border-box;padding:0 10mm;font-family:sans-serif;font-size:10pt;line-height:1.2;' +
  '-webkit-print-color-adjust:exact;print-color-adjust:exact';
const wrap = (html: string) => `<div style="${HEADER_FOOTER_STYLE}">${html}</div>`;
/** Without it Chrome prints its own default (date, title, url, page numbers) on the side not asked for. */
const EMPTY_TEMPLATE = '<span></span>';

/** Paper sizes of pdf_format in CSS px (96 per inch), portrait. */
const PAPER_PX: Record<CaptureOptions['pdf_format'], [number, number]> = {
  A3: [1122.52, 1587.4],
  A4: [793.7, 1122.52],
  A5: [559.37, 793.7],
  Letter: [816, 1056],
  Legal: [816, 1344],
  Tabloid: [1056, 1632],
};
const PX_PER_UNIT: Record<string, number> = { px: 1, in: 96, cm: 96 / 2.54, mm: 96 / 25.4 };
/** A CSS length of the DTO's form (`10mm`, `1in`, `96px`, bare = px) in CSS px; undefined is 0 as in Chrome. */
const toPx = (length: string | undefined) => {
  if (!length) return 0;
  const [, value, unit] = /^([\d.]+)([a-z]*)$/.exec(length) ?? [];
  return Number(value) * PX_PER_UNIT[unit || 'px'];
};

/** Chrome's print options for this capture (paper height of a single-page PDF excepted). */
export function pdfOptions(opts: CaptureOptions): PDFOptions {
  const header = opts.pdf_header_html;
  const footer = opts.pdf_footer_html;
  const headerFooter = header !== undefined || footer !== undefined;
  return {
    format: opts.pdf_width || opts.pdf_height ? undefined : opts.pdf_format,
    width: opts.pdf_width,
    height: opts.pdf_height,
    landscape: opts.pdf_landscape,
    printBackground: opts.pdf_print_background,
    scale: opts.pdf_scale,
    pageRanges: opts.pdf_page_ranges ?? '',
    preferCSSPageSize: opts.pdf_prefer_css_page_size && !opts.pdf_single_page,
    tagged: opts.pdf_tagged,
    outline: opts.pdf_outline,
    displayHeaderFooter: headerFooter,
    headerTemplate: headerFooter ? (header !== undefined ? wrap(header) : EMPTY_TEMPLATE) : undefined,
    footerTemplate: headerFooter ? (footer !== undefined ? wrap(footer) : EMPTY_TEMPLATE) : undefined,
    margin: {
      top: opts.pdf_margin_top ?? (header !== undefined ? HEADER_FOOTER_MARGIN : undefined),
      right: opts.pdf_margin_right,
      bottom: opts.pdf_margin_bottom ?? (footer !== undefined ? HEADER_FOOTER_MARGIN : undefined),
      left: opts.pdf_margin_left,
    },
    waitForFonts: false, // the pipeline waited for them already, bounded by wait_for_timeout
    timeout: 0,
  };
}

/**
 * pdf_single_page: lays the page out as wide as the paper's printable area,
 * measures the content and returns a paper height that holds all of it (at
 * most `maxHeight` CSS px of content), with the margins around it.
 */
async function singlePageHeight(
  page: Page,
  opts: CaptureOptions,
  print: PDFOptions,
  maxHeight: number,
): Promise<{ height: string; truncated: boolean }> {
  const paperWidth = paperWidthPx(opts);
  const margins = print.margin!;
  const sides = toPx(margins.left as string) + toPx(margins.right as string);
  const width = Math.max(1, Math.round((paperWidth - sides) / opts.pdf_scale));
  // a 1 px tall viewport: the document's scroll height is never less than the viewport's, which
  // would make a short receipt as tall as the window
  await page.setViewport({ ...page.viewport()!, width, height: 1 });
  // measured by Chrome, not by the page's scripts (which may override Math.max or scrollHeight)
  const content = await contentHeight(page);
  const truncated = content > maxHeight;
  const vertical = toPx(margins.top as string) + toPx(margins.bottom as string);
  // one px more than the content, so rounding to Chrome's device units never spills a line onto a page 2
  const height = Math.min(content, maxHeight) * opts.pdf_scale + vertical + 1;
  return { height: `${height}px`, truncated };
}

/** Writes pdf_metadata into the document information dictionary; the title defaults to the page's. */
async function withMetadata(pdf: Uint8Array, metadata: PdfMetadataDto, pageTitle: string) {
  // loaded on the first pdf_metadata: pdf-lib (~4 MiB of heap) stays out of a replica that never writes one
  const { PDFDocument } = await import('pdf-lib');
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const title = metadata.title ?? pageTitle;
  if (title) doc.setTitle(title);
  if (metadata.author !== undefined) doc.setAuthor(metadata.author);
  if (metadata.subject !== undefined) doc.setSubject(metadata.subject);
  if (metadata.keywords !== undefined) doc.setKeywords([metadata.keywords.join(', ')]);
  if (metadata.creator !== undefined) doc.setCreator(metadata.creator);
  // no object streams: page objects stay readable as Chrome writes them
  return doc.save({ useObjectStreams: false });
}

/** Pages in a PDF made by Chrome: its page objects are written uncompressed. */
const countPdfPages = (pdf: Uint8Array) =>
  (
    Buffer.from(pdf)
      .toString('latin1')
      .match(/\/Type\s*\/Page(?!s)/g) ?? []
  ).length;

/** Height of the document's content in CSS px, from Chrome's layout metrics. */
async function contentHeight(page: Page): Promise<number> {
  const session = await page.createCDPSession();
  try {
    const { cssContentSize } = await session.send('Page.getLayoutMetrics');
    return Math.ceil(cssContentSize.height);
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** Prints as a stream and stops reading (422) as soon as the PDF passes `maxBytes`. */
async function printCapped(page: Page, print: PDFOptions, maxBytes: number): Promise<Uint8Array> {
  const reader = (await page.createPDFStream(print)).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new OutputTooLargeError(
        `The PDF is over MAX_PDF_BYTES (${maxBytes} bytes): print fewer pages with pdf_page_ranges`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Prints the page to PDF with every document option of the request, at most `maxBytes` of it. */
export async function printPdf(
  page: Page,
  opts: CaptureOptions,
  maxHeight: number,
  maxBytes: number,
): Promise<{ body: Buffer; page_count: number; truncated: boolean }> {
  const print = pdfOptions(opts);
  let truncated = false;
  if (opts.pdf_single_page) {
    const single = await singlePageHeight(page, opts, print, maxHeight);
    truncated = single.truncated;
    // the paper in portrait form: width as laid out, height as measured; page 1 only, should a
    // rounding spill a sliver onto a second page
    Object.assign(print, {
      format: undefined,
      width: `${paperWidthPx(opts)}px`,
      height: single.height,
      landscape: false,
      pageRanges: '1',
    });
  }
  let pdf: Uint8Array = await printCapped(page, print, maxBytes);
  const page_count = countPdfPages(pdf);
  if (opts.pdf_metadata) pdf = await withMetadata(pdf, opts.pdf_metadata, await page.title().catch(() => ''));
  return { body: Buffer.from(pdf), page_count, truncated };
}

/** Width of the paper in CSS px (pdf_width, else pdf_format in its orientation). */
function paperWidthPx(opts: CaptureOptions): number {
  if (opts.pdf_width) return toPx(opts.pdf_width);
  const [w, h] = PAPER_PX[opts.pdf_format];
  return opts.pdf_landscape ? h : w;
}
