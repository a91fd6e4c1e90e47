import type { BrowserContext, Page, Target } from 'puppeteer-core';

/**
 * Runs in every frame before the page's own scripts (main world): popups
 * are refused where they start, so the page they would load is never
 * requested. `window.open` returns null (as under a browser's popup
 * blocker), and link clicks, middle/modifier clicks and form submissions
 * that would open a new window are cancelled. Self-contained: Puppeteer
 * sends its source text to the page.
 */
function refusePopupsInPage(): void {
  try {
    Object.defineProperty(window, 'open', {
      value: function open() {
        return null;
      },
      writable: false,
      configurable: false,
    });
  } catch {
    // already locked by the page: the target watch below still closes what opens
  }
  const opensNewWindow = (target: string | null, doc: Document): boolean => {
    const name = (target ?? doc.querySelector('base[target]')?.getAttribute('target') ?? '').trim();
    const lower = name.toLowerCase();
    if (!name || lower === '_self' || lower === '_parent' || lower === '_top') return false;
    if (lower === '_blank') return true;
    // a named target is a new window unless a frame of this document carries the name
    return !Array.from(doc.querySelectorAll('iframe, frame')).some((f) => f.getAttribute('name') === name);
  };
  const onClick = (event: MouseEvent) => {
    const link = event
      .composedPath()
      .find((n) => n instanceof HTMLAnchorElement || n instanceof HTMLAreaElement) as
      HTMLAnchorElement | HTMLAreaElement | undefined;
    if (!link?.href) return;
    const newTab = event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1;
    if (newTab || opensNewWindow(link.getAttribute('target'), link.ownerDocument)) event.preventDefault();
  };
  window.addEventListener('click', onClick, true);
  window.addEventListener('auxclick', onClick, true);
  window.addEventListener(
    'submit',
    (event) => {
      const form = event.target as HTMLFormElement;
      const submitter = (event as SubmitEvent).submitter;
      const target = submitter?.getAttribute('formtarget') ?? form.getAttribute('target');
      if (opensNewWindow(target, form.ownerDocument)) event.preventDefault();
    },
    true,
  );
}

/** Popups one capture may open when popups are allowed; a page opening more is a storm. */
const MAX_ALLOWED_POPUPS = 10;

/** The popup blocker's script on pages prepared before their capture: the page, and the script's id there. */
const preparedBlockers = new WeakMap<Page, string>();

/**
 * Adds the popup blocker's script to a page before its capture is known (the pool's page set-up, when
 * USE_POPUP_BLOCKER makes blocking the default): a capture that blocks popups then sends nothing for
 * it on its own path, and one that does not removes it (watchPopups).
 */
export async function preparePopupBlocker(page: Page): Promise<void> {
  const { identifier } = await page.evaluateOnNewDocument(refusePopupsInPage);
  preparedBlockers.set(page, identifier);
}

async function closeTarget(target: Target): Promise<void> {
  try {
    await (await target.page())?.close();
  } catch {
    // already gone
  }
}

export interface PopupWatch {
  /** Pages the captured page opened (closed at once when blocking). */
  readonly opened: number;
  /** Puts the captured page back in front: a popup that took focus leaves it hidden, and a hidden page renders slowly or not at all. */
  refocus(): Promise<void>;
}

/**
 * Installs popup handling on a fresh page before navigation. With `block`,
 * popups are refused in the page, and any page target that appears in the
 * capture's browser context anyway (an anchor clicked while detached from
 * the document, `form.submit()`...) is closed the moment it is seen, so no
 * popup outlives the capture or steals its focus. Without `block`, up to
 * MAX_ALLOWED_POPUPS popups may open and live until the capture's context
 * closes; later ones are closed as they appear.
 */
export async function watchPopups(page: Page, context: BrowserContext, block: boolean): Promise<PopupWatch> {
  let opened = 0;
  context.on('targetcreated', (target: Target) => {
    if (target.type() !== 'page' || target === page.target()) return;
    opened++;
    // A popup storm (window.open in a loop) gets its first few popups; the rest close as they appear.
    if (block || opened > MAX_ALLOWED_POPUPS) void closeTarget(target);
    else void page.bringToFront().catch(() => undefined); // the popup took the focus: take it back
  });
  const prepared = preparedBlockers.get(page);
  if (block && !prepared) await page.evaluateOnNewDocument(refusePopupsInPage);
  if (!block && prepared) await page.removeScriptToEvaluateOnNewDocument(prepared);
  return {
    get opened() {
      return opened;
    },
    refocus: async () => {
      if (opened > 0) await page.bringToFront().catch(() => undefined);
    },
  };
}
