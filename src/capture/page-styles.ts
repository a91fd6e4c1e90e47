import type { Page } from 'puppeteer-core';

/** Adopts `text` as a stylesheet of this document, now and whenever the page drops it. Runs in the page. */
function adoptStyles(text: string): void {
  if (window.top !== window) return; // the page, not its frames
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(text); // @import rules are ignored by constructed sheets
  const adopt = () => {
    if (!document.adoptedStyleSheets.includes(sheet)) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
  };
  adopt();
  document.addEventListener('DOMContentLoaded', adopt);
  window.addEventListener('load', adopt);
}

/**
 * styles: the caller's CSS as a constructed stylesheet adopted by the main
 * frame's document as soon as it exists (before the page's first script),
 * so it applies from the first paint, to content that appears later, and
 * after the page's own sheets in the cascade. A URL capture's navigation
 * makes that document; html_content is written into the document the page
 * has already, which adoptStylesInCurrentDocument covers.
 */
export async function applyStyles(page: Page, css: string): Promise<void> {
  await page.evaluateOnNewDocument(adoptStyles, css);
}

/** The same stylesheet for the document the page has now: the prepared about:blank html_content is written into. */
export async function adoptStylesInCurrentDocument(page: Page, css: string): Promise<void> {
  await page.evaluate(adoptStyles, css);
}
