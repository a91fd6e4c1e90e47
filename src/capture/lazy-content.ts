import type { CDPSession, Page } from 'puppeteer-core';
import { evaluateIsolated } from './isolated-world';
import { isPuppeteerTimeout } from './page-actions';

/**
 * Before a full-page capture: scrolls down the page a viewport at a time
 * (up to `maxHeight` CSS px), so that `loading="lazy"` images and content
 * driven by IntersectionObserver or scroll listeners load; waits for the
 * images that started loading and for the network to calm down; then
 * scrolls back to the top, where a capture is expected to start. Bounded by
 * `timeoutMs` as a whole; running out is not an error. The scrolling runs in
 * an isolated world: a page that overrides Math.min, Date.now or its
 * scrollHeight cannot make it scroll past the limit or forever.
 */
export async function loadLazyContent(page: Page, maxHeight: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const session = await page.createCDPSession();
  try {
    await scrollThrough(session, maxHeight, timeoutMs);
    // fetches started by the scroll (observer-driven content) settle before the capture
    const left = until - Date.now();
    if (left > 0) {
      await page.waitForNetworkIdle({ idleTime: 300, timeout: left }).catch((err) => {
        if (!isPuppeteerTimeout(err)) throw err;
      });
    }
    await evaluateIsolated(session, async () => {
      window.scrollTo(0, 0);
      await new Promise<void>((resolve) => {
        setTimeout(resolve, 100);
        requestAnimationFrame(() => resolve());
      });
    });
  } finally {
    await session.detach().catch(() => undefined);
  }
}

const scrollThrough = (session: CDPSession, maxHeight: number, timeoutMs: number) =>
  evaluateIsolated(
    session,
    async (limit: number, budgetMs: number) => {
      const deadline = Date.now() + budgetMs;
      const nextFrame = () =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, 100);
          requestAnimationFrame(() => setTimeout(resolve, 50));
        });
      const step = Math.max(100, Math.floor(window.innerHeight * 0.8));
      for (let y = step; Date.now() < deadline; y += step) {
        const bottom = Math.min(document.documentElement.scrollHeight, limit) - window.innerHeight;
        window.scrollTo(0, Math.min(y, bottom));
        await nextFrame(); // intersection observers and scroll handlers run, lazy images start
        if (y >= bottom) break;
      }
      const pending = Array.from(document.images).filter((img) => !img.complete);
      await Promise.race([
        Promise.all(
          pending.map(
            (img) =>
              new Promise((resolve) => {
                img.addEventListener('load', resolve, { once: true });
                img.addEventListener('error', resolve, { once: true });
              }),
          ),
        ),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
      ]);
    },
    maxHeight,
    timeoutMs,
  );
