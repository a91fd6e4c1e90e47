import type { Page } from 'puppeteer-core';
import TurndownService from 'turndown';
import { ElementNotFoundError } from '../common/errors';

/**
 * Most HTML handed to the converter: turndown is synchronous, and a page can
 * be any size; past this the main content is cut (the parser closes what
 * the cut leaves open).
 */
export const MAX_MARKDOWN_SOURCE_CHARS = 2_000_000;

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
    (sel: string | null, never: string, furniture: string, limit: number) => {
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
  );
  if (html === null) throw new ElementNotFoundError(`No element matches selector "${selector}"`);
  return typeof html === 'string' ? html.slice(0, maxChars) : '';
}

const turndown = new TurndownService({
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
  emDelimiter: '_',
});

/** format: markdown — the page's main content converted with turndown. */
export async function renderMarkdown(page: Page, selector: string | undefined): Promise<Buffer> {
  const html = await mainContentHtml(page, selector, MAX_MARKDOWN_SOURCE_CHARS);
  return Buffer.from(`${turndown.turndown(html).trim()}\n`, 'utf8');
}
