import type { Page, Protocol } from 'puppeteer-core';
import { ScriptError, ValidationError } from '../common/errors';

/** The first line of an error thrown in the page, without Puppeteer's stack. */
/** Puppeteer's own timeouts (waitForSelector, goto...) are errors named TimeoutError. */
export const isPuppeteerTimeout = (err: unknown) => err instanceof Error && err.name === 'TimeoutError';

export const pageErrorMessage = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/^Error: /, '');

/** What the client reads of an exception thrown (or a promise rejected) by its script. */
export function exceptionMessage(details: Protocol.Runtime.ExceptionDetails): string {
  const { exception } = details;
  const text =
    exception?.description ??
    (exception?.value !== undefined ? String(exception.value) : undefined) ??
    details.text;
  return text.split('\n')[0].replace(/^(Uncaught )?(\(in promise\) )?(Error: )?/, '') || 'the script failed';
}

/**
 * Runs the caller's script in the page's main world. REPL mode allows
 * top-level `await`; a returned promise is awaited; the page's CSP does not
 * apply (Runtime.evaluate is not page script). A throw or rejection is a
 * ScriptError with its message; a script still running after `timeoutMs` is
 * stopped (even a busy loop) and reported as one too.
 */
export async function runCustomJs(page: Page, script: string, timeoutMs: number): Promise<void> {
  const cdp = await page.createCDPSession();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  );
  try {
    const run = async () => {
      const evaluated = await cdp.send('Runtime.evaluate', {
        expression: script,
        replMode: true,
        awaitPromise: true,
        userGesture: true,
        silent: true,
      });
      // REPL mode awaits its own top-level awaits, not a promise the script evaluates to: that one is awaited here
      const { result, exceptionDetails } = evaluated;
      if (exceptionDetails || result.subtype !== 'promise' || !result.objectId) return evaluated;
      return cdp.send('Runtime.awaitPromise', { promiseObjectId: result.objectId });
    };
    const evaluation = run();
    const outcome = await Promise.race([evaluation, timedOut]);
    if (outcome === 'timeout') {
      evaluation.catch(() => undefined);
      await cdp.send('Runtime.terminateExecution').catch(() => undefined);
      throw new ScriptError(`custom_js did not finish within ${timeoutMs} ms`);
    }
    if (outcome.exceptionDetails) throw new ScriptError(exceptionMessage(outcome.exceptionDetails));
  } catch (err) {
    if (err instanceof ScriptError) throw err;
    throw new ScriptError(pageErrorMessage(err));
  } finally {
    clearTimeout(timer);
    await cdp.detach().catch(() => undefined); // releases whatever the script returned
  }
}

/**
 * Hides every element matching any of the selectors, also elements that
 * appear later (interactions, lazy content): one constructed stylesheet with
 * `visibility: hidden !important`, adopted by the document, so the layout
 * does not move and page DOM rewrites do not drop it. An invalid selector is
 * a 400 naming it.
 */
export async function hideSelectors(page: Page, selectors: string[]): Promise<void> {
  const invalid = await page.evaluate((list: string[]) => {
    const sheet = new CSSStyleSheet();
    for (const selector of list) {
      try {
        document.querySelector(selector); // throws on a selector CSS would also reject
        sheet.insertRule(`${selector} { visibility: hidden !important; }`, sheet.cssRules.length);
      } catch {
        return selector;
      }
    }
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return null;
  }, selectors);
  if (invalid !== null) throw new ValidationError(`hide_selectors contains an invalid selector "${invalid}"`);
}

/** Waits until running finite CSS animations and transitions have finished (infinite ones are ignored). */
export async function waitForAnimations(page: Page, timeoutMs: number): Promise<void> {
  await page.evaluate(async (limit: number) => {
    // one frame first, so that an animation started by the last step is running
    await new Promise((resolve) => {
      requestAnimationFrame(resolve);
      setTimeout(resolve, 100);
    });
    const finite = document
      .getAnimations()
      .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().endTime !== Infinity);
    await Promise.race([
      Promise.all(finite.map((a) => a.finished.catch(() => undefined))),
      new Promise((resolve) => setTimeout(resolve, limit)),
    ]);
  }, timeoutMs);
}
