import type { Page } from 'puppeteer-core';
import { sleep } from '../common/timing';
import { isPuppeteerTimeout } from './page-actions';

/**
 * Page helpers for javascript_enabled: false. With script execution
 * disabled, Runtime.evaluate still runs, but no timer or animation-frame
 * callback ever fires in the page: helpers that wait inside the page
 * (setTimeout, requestAnimationFrame) would hang. These do the same work
 * with synchronous evaluations and the waiting done here.
 */

const POLL_MS = 100;

/** loadLazyContent's scroll (a viewport at a time, up to `maxHeight`, then back to the top), driven from here. */
export async function loadLazyContentWithoutScripts(
  page: Page,
  maxHeight: number,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let y = 0; Date.now() < until;) {
    const { bottom, step } = await page.evaluate((limit: number) => {
      const last = Math.min(document.documentElement.scrollHeight, limit) - window.innerHeight;
      return { bottom: Math.max(0, last), step: Math.max(100, Math.floor(window.innerHeight * 0.8)) };
    }, maxHeight);
    y = Math.min(y + step, bottom);
    await page.evaluate((to: number) => window.scrollTo(0, to), y);
    await sleep(POLL_MS); // native loading="lazy" images start
    if (y >= bottom) break;
  }
  const left = until - Date.now();
  if (left > 0) {
    await page.waitForNetworkIdle({ idleTime: 300, timeout: left }).catch((err) => {
      if (!isPuppeteerTimeout(err)) throw err;
    });
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** waitForAnimations: until no finite CSS animation or transition runs, polled from here. */
export async function waitForAnimationsWithoutScripts(page: Page, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  await sleep(POLL_MS); // one frame, so that an animation started by the last step is running
  while (Date.now() < until) {
    const running = await page.evaluate(
      () =>
        document
          .getAnimations()
          .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().endTime !== Infinity)
          .length,
    );
    if (running === 0) return;
    await sleep(POLL_MS);
  }
}

/** waitForWebFonts: until document.fonts has no load pending (a layout first starts the loads text needs). */
export async function waitForWebFontsWithoutScripts(page: Page, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const status = await page.evaluate(() => {
      void document.documentElement.getBoundingClientRect();
      return document.fonts.status;
    });
    if (status === 'loaded') return;
    await sleep(POLL_MS);
  }
}
