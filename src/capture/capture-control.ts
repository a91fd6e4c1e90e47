import type { Page } from 'puppeteer-core';
import { ElementNotFoundError } from '../common/errors';
import type { CaptureOptions } from './capture-options';
import { checkContent } from './content-checks';
import type { PageHelpers } from './page-setup';
import { waitForFunction, waitForSelectorHidden } from './page-waits';

/**
 * The capture-control steps of the pipeline, in the order of API.md part 2.
 * Each does nothing when its field is not set.
 */

/** After wait_for_selector: wait_for_selector_hidden, then wait_for_function. */
export async function waitForPageReady(
  page: Page,
  opts: CaptureOptions,
  waitMs: () => number,
): Promise<void> {
  if (opts.wait_for_selector_hidden)
    await waitForSelectorHidden(page, opts.wait_for_selector_hidden, waitMs());
  if (opts.wait_for_function) await waitForFunction(page, opts.wait_for_function, waitMs());
}

/** After interactions (and the full-page scroll): the element to the top of the viewport. */
export async function scrollIntoView(page: Page, opts: CaptureOptions): Promise<void> {
  if (!opts.scroll_into_view) return;
  const found = await page.evaluate((selector: string) => {
    let element: Element | null;
    try {
      element = document.querySelector(selector);
    } catch {
      return false; // not a valid selector: nothing matches it
    }
    if (!element) return false;
    element.scrollIntoView({ block: 'start', inline: 'nearest', behavior: 'instant' });
    return true;
  }, opts.scroll_into_view);
  if (!found)
    throw new ElementNotFoundError(`No element matches scroll_into_view "${opts.scroll_into_view}"`);
  // no frame wait: the capture itself renders a new frame, at the new scroll position
}

/** Just before the capture: fail_if_content_contains / _missing, then fail_on_page_error. */
export async function runContentChecks(
  page: Page,
  opts: CaptureOptions,
  helpers: PageHelpers,
): Promise<void> {
  await checkContent(page, opts.fail_if_content_contains, opts.fail_if_content_missing);
  helpers.pageErrors?.check();
}
