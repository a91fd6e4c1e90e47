import type { Page } from 'puppeteer-core';
import { Worker } from 'node:worker_threads';
import { ElementNotFoundError } from '../common/errors';

/**
 * Most HTML handed to the converter (turndown took ~13 s for 2.3 million
 * characters on a loaded 2-core machine); past this the main content is cut
 * (the parser closes what the cut leaves open).
 */
export const MAX_MARKDOWN_SOURCE_CHARS = 1_000_000;

/** Element nesting kept for the converter; deeper content is kept as its text. */
const MAX_DEPTH = 64;
/** Longest a conversion may take before the visible text is answered instead. */
const MAX_CONVERSION_MS = 15000;

/** Elements that are never content: scripts, styles, embedded frames and graphics, forms' controls. */
const NEVER_CONTENT = 'script, style, noscript, template, iframe, object, embed, svg, canvas, select, button';
/** Page furniture around the main content, dropped when the whole body is the root. */
const FURNITURE = 'nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo]';

/**
 * The rendered page's main content as HTML: the `selector`'s element, else
 * the first of main, [role=main], article, else the body without its
 * navigation, header, footer and asides. Hidden elements are left out (what
 * a reader sees is what is indexed); links and images get absolute URLs.
 * The page's DOM is only marked for the copy and restored.
 */
async function mainContentHtml(page: Page, selector: string | undefined, maxChars: number): Promise<string> {
  const html = await page.evaluate(
    (sel: string | null, never: string, furniture: string, limit: number, maxDepth: number) => {
      const find = (s: string) => {
        try {
          return document.querySelector(s);
        } catch {
          return null; // not a valid selector: nothing matches it
        }
      };
      const root = sel
        ? find(sel)
        : (document.querySelector('main, [role=main]') ?? document.querySelector('article') ?? document.body);
      if (!root) return null;
      const MARK = 'data-pixashot-hidden';
      const hidden: Element[] = [];
      for (const el of Array.from(root.querySelectorAll('*'))) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') {
          el.setAttribute(MARK, '');
          hidden.push(el);
        }
      }
      const copy = root.cloneNode(true) as Element;
      for (const el of hidden) el.removeAttribute(MARK);
      copy.querySelectorAll(`[${MARK}], ${never}`).forEach((el) => el.remove());
      if (root === document.body) copy.querySelectorAll(furniture).forEach((el) => el.remove());
      // turndown's time grows with the square of the nesting depth: deeper than maxDepth, text only
      const stack: [Element, number][] = [[copy, 0]];
      while (stack.length) {
        const [el, depth] = stack.pop()!;
        for (const child of Array.from(el.children)) {
          if (depth + 1 >= maxDepth) child.replaceWith(document.createTextNode(child.textContent ?? ''));
          else stack.push([child, depth + 1]);
        }
      }
      copy.querySelectorAll('a[href]').forEach((a) => a.setAttribute('href', (a as HTMLAnchorElement).href));
      copy
        .querySelectorAll('img[src]')
        .forEach((img) => img.setAttribute('src', (img as HTMLImageElement).src));
      return copy.outerHTML.slice(0, limit);
    },
    selector ?? null,
    NEVER_CONTENT,
    FURNITURE,
    maxChars,
    MAX_DEPTH,
  );
  if (html === null) throw new ElementNotFoundError(`No element matches selector "${selector}"`);
  return typeof html === 'string' ? html.slice(0, maxChars) : '';
}

/** Turndown's options: ATX headings, fenced code, "-" lists, "_" emphasis. */
const TURNDOWN_OPTIONS = {
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
  emDelimiter: '_',
};

/**
 * The conversion runs in a worker thread: turndown is synchronous and takes
 * seconds on a large page, which on the main thread would stall every other
 * request. The worker is ended when it outlives `timeoutMs`; its stack is
 * larger than the default, as turndown recurses once per nesting level.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const TurndownService = require(workerData.turndown);
const service = new TurndownService(workerData.options);
parentPort.postMessage(service.turndown(workerData.html));
`;

function convert(html: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { html, options: TURNDOWN_OPTIONS, turndown: require.resolve('turndown') },
      resourceLimits: { stackSizeMb: 64, maxOldGenerationSizeMb: 512 },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the Markdown conversion took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (markdown: string) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(markdown);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Markdown conversion stopped (exit code ${code})`));
    });
  });
}

/**
 * format: markdown - the page's main content converted with turndown. A page
 * turndown cannot convert in time (or at all: nesting deeper than its
 * recursion allows) still answers: with the visible text of the same root.
 */
export async function renderMarkdown(
  page: Page,
  selector: string | undefined,
  timeoutMs: number,
): Promise<Buffer> {
  const html = await mainContentHtml(page, selector, MAX_MARKDOWN_SOURCE_CHARS);
  const markdown = await convert(html, Math.min(timeoutMs, MAX_CONVERSION_MS)).catch(async () =>
    visibleTextOf(page, selector),
  );
  return Buffer.from(`${markdown.trim()}\n`, 'utf8');
}

/** The root's innerText: the fallback when the HTML cannot be converted. */
async function visibleTextOf(page: Page, selector: string | undefined): Promise<string> {
  const text = await page.evaluate((sel: string | null) => {
    const root = sel
      ? document.querySelector(sel)
      : (document.querySelector('main, [role=main]') ?? document.querySelector('article') ?? document.body);
    return (root as HTMLElement | null)?.innerText ?? '';
  }, selector ?? null);
  return typeof text === 'string' ? text.slice(0, MAX_MARKDOWN_SOURCE_CHARS) : '';
}
