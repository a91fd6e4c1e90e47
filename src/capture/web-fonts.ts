import type { Page } from 'puppeteer-core';
import { settledWithin } from '../common/timing';

/**
 * Waits until the page's web fonts are loaded (document.fonts.ready), at most
 * `timeoutMs`. A layout is forced first: Chrome requests a font only when
 * laid-out text uses it, so text a script added after the load event would
 * otherwise have no load pending yet and `ready` would resolve at once. A
 * font that never arrives is not an error: the capture goes ahead with
 * whatever the page shows by then (the fallback face, or nothing while a
 * font-display: block font is still due).
 */
export async function waitForWebFonts(page: Page, timeoutMs: number): Promise<void> {
  const loaded = page.evaluate(async () => {
    void document.documentElement.getBoundingClientRect(); // style + layout: starts the loads text needs
    // nothing loading: the screenshot's own frame paints the faces the page has (no frame to wait for)
    if (document.fonts.status === 'loaded') return;
    await document.fonts.ready;
    // one frame, so the text is painted in the face that just arrived (a page without frames: 100 ms)
    await new Promise((resolve) => {
      requestAnimationFrame(resolve);
      setTimeout(resolve, 100);
    });
  });
  // a page whose main thread never yields would hold evaluate forever: bound it from here
  await settledWithin(loaded, timeoutMs).catch(() => undefined);
}
