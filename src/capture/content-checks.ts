import type { Page } from 'puppeteer-core';
import { ContentError, PageError } from '../common/errors';

/** Longest page error message kept for the client. */
const MAX_MESSAGE = 500;

/**
 * Records the first uncaught exception or unhandled rejection of the page's
 * main frame (Chrome reports both as Runtime.exceptionThrown, which is
 * Puppeteer's `pageerror`), from before navigation on. Only installed when
 * fail_on_page_error asks for it.
 */
export class PageErrorWatch {
  private first?: string;

  static install(page: Page): PageErrorWatch {
    const watch = new PageErrorWatch();
    page.on('pageerror', (err: unknown) => {
      watch.first ??= messageOf(err);
    });
    return watch;
  }

  /** Throws PageError when the page has thrown. */
  check(): void {
    if (this.first !== undefined) throw new PageError(this.first);
  }
}

function messageOf(err: unknown): string {
  const text =
    err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  const line = text.split('\n')[0].trim() || 'the page threw an error';
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}...` : line;
}

/** Lower case with every run of white space as one space: how both sides of a content check are compared. */
export const normaliseText = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/** The page's visible text (innerText skips hidden elements, scripts and styles), normalised. */
async function visibleText(page: Page): Promise<string> {
  const text = await page.evaluate(
    () => document.body?.innerText ?? document.documentElement?.innerText ?? '',
  );
  return normaliseText(text);
}

/**
 * fail_if_content_contains / fail_if_content_missing, against the visible
 * text just before capture: the first string found (or missing) is a
 * ContentError carrying that string as the request gave it.
 */
export async function checkContent(
  page: Page,
  mustNotContain: string[] | undefined,
  mustContain: string[] | undefined,
): Promise<void> {
  if (!mustNotContain?.length && !mustContain?.length) return;
  const text = await visibleText(page);
  const matched = mustNotContain?.find((s) => text.includes(normaliseText(s)));
  if (matched !== undefined) {
    throw new ContentError(`The page's visible text contains "${matched}"`, { matched });
  }
  const missing = mustContain?.find((s) => !text.includes(normaliseText(s)));
  if (missing !== undefined) {
    throw new ContentError(`The page's visible text does not contain "${missing}"`, { missing });
  }
}
