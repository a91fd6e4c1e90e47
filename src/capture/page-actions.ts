import type { Page } from 'puppeteer-core';
import { ScriptError, ValidationError } from '../common/errors';

/** The first line of an error thrown in the page, without Puppeteer's stack. */
export const pageErrorMessage = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/^Error: /, '');

/**
 * Runs the caller's script in the page. Runtime.evaluate (what Puppeteer's
 * string form uses) takes statements, is not subject to the page's CSP, and
 * awaits a returned promise.
 */
export async function runCustomJs(page: Page, script: string): Promise<void> {
  try {
    await page.evaluate(script);
  } catch (err) {
    throw new ScriptError(pageErrorMessage(err));
  }
}

/** Hides every element matching any of the selectors (inline !important, so page CSS cannot undo it). */
export async function hideSelectors(page: Page, selectors: string[]): Promise<void> {
  const invalid = await page.evaluate((list: string[]) => {
    for (const selector of list) {
      try {
        document.querySelectorAll(selector).forEach((el) => {
          (el as HTMLElement).style.setProperty('visibility', 'hidden', 'important');
        });
      } catch {
        return selector;
      }
    }
    return null;
  }, selectors);
  if (invalid) throw new ValidationError(`hide_selectors contains an invalid selector "${invalid}"`);
}

/** Waits until running finite CSS animations and transitions have finished (infinite ones are ignored). */
export async function waitForAnimations(page: Page, timeoutMs: number): Promise<void> {
  await page.evaluate(async (limit: number) => {
    const finite = document
      .getAnimations()
      .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().endTime !== Infinity);
    await Promise.race([
      Promise.all(finite.map((a) => a.finished.catch(() => undefined))),
      new Promise((resolve) => setTimeout(resolve, limit)),
    ]);
  }, timeoutMs);
}
