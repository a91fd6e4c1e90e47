import type { CDPSession, Page } from 'puppeteer-core';
import { TimeoutError, ValidationError } from '../common/errors';
import { settledWithin, sleep } from '../common/timing';
import { exceptionMessage, isPuppeteerTimeout, pageErrorMessage } from './page-actions';

const POLL_MS = 100;

/** wait_for_selector_hidden: until nothing matches `selector` or what matches is hidden. */
export async function waitForSelectorHidden(page: Page, selector: string, timeoutMs: number): Promise<void> {
  // Puppeteer's polling takes an invalid selector for "nothing there yet": ask the page's CSS parser first
  const valid = await page.evaluate((s: string) => {
    try {
      document.querySelector(s);
      return true;
    } catch {
      return false;
    }
  }, selector);
  if (!valid)
    throw new ValidationError(`wait_for_selector_hidden is not a valid CSS selector: "${selector}"`);
  await page.waitForSelector(selector, { hidden: true, timeout: timeoutMs }).catch((err) => {
    if (isPuppeteerTimeout(err))
      throw new TimeoutError(`"${selector}" was still shown after ${timeoutMs} ms`);
    throw err;
  });
}

/**
 * wait_for_function: evaluates `expression` in the page's main world every
 * 100 ms until it is truthy (a promise it gives is awaited). Through
 * Runtime.evaluate, so the page's CSP does not stop it, and each evaluation
 * is cut off by V8 when it would outlive the wait (a busy loop cannot hold
 * the capture). A throw, and an evaluation lost to a navigation, count as
 * "not yet"; the last exception's message goes into the 504.
 */
export async function waitForFunction(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const cdp: CDPSession = await page.createCDPSession();
  let lastError: string | undefined;
  try {
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) break;
      try {
        const evaluation = cdp.send('Runtime.evaluate', {
          expression: `(async () => Boolean(await (\n${expression}\n)))()`,
          awaitPromise: true,
          returnByValue: true,
          silent: true,
          timeout: left, // stops a synchronous busy loop
        });
        // ...and this a promise that never settles
        const outcome = await settledWithin(evaluation, left);
        if (outcome === undefined) break;
        if (outcome.exceptionDetails) lastError = exceptionMessage(outcome.exceptionDetails);
        else if (outcome.result.value === true) return;
      } catch (err) {
        // the context went away (a navigation) between two polls: the next poll runs in the new one
        lastError = pageErrorMessage(err);
      }
      await sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())));
    }
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  const why = lastError ? `; last error: ${lastError}` : '';
  throw new TimeoutError(`wait_for_function was not truthy within ${timeoutMs} ms${why}`);
}
