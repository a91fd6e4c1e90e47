import type { Logger } from '@nestjs/common';
import type { Page } from 'puppeteer-core';
import { DEFAULT_WINDOW } from './chrome-path';

/**
 * The real window of a pool browser: tiny. In headless mode nobody looks at a tab's window, yet
 * Chrome's display compositor draws every frame of the tab into a window-sized buffer, and a fresh
 * tab (one per capture) faults that buffer in anew: at 1920x1080, ~8 MB per tab and a full software
 * draw per frame. A screenshot does not read that buffer: it copies the page's own surface, at the
 * size the page is emulated at. With a 16x16 window the compositor thread's CPU per capture fell from
 * 30-36 ms to 21-23 ms (4 clients, new site per capture; docs/performance.md, "Levers").
 */
export const POOL_WINDOW = { width: 16, height: 16 } as const;

/**
 * The pool's window, and a screen of the API's default window size: `screen.width` and
 * `screen.height` read 1920x1080 as they did when the window had that size (a mobile preset's
 * emulation still gives its own screen).
 */
export const poolWindowArgs = (): string[] => [
  `--window-size=${POOL_WINDOW.width},${POOL_WINDOW.height}`,
  `--screen-info={${DEFAULT_WINDOW.width}x${DEFAULT_WINDOW.height}}`,
];

/**
 * Runs in a page (self-contained: Puppeteer sends its source text): `outerWidth` and `outerHeight`
 * read the screen's size, as a window filling its screen does, instead of the pool's tiny window.
 * Assignable, like the native attributes. The screen is read through the native getters taken
 * before any script of the page runs, so a page that replaces `screen` changes nothing here. (A
 * script can still tell these getters from native ones, as it can tell the popup blocker's
 * `window.open`.) Returns the screen's size, for the check in presentDefaultWindow.
 */
function outerSizeOfScreen(): [number, number] {
  const realScreen = window.screen;
  const nativeGetter = (name: 'width' | 'height') =>
    Object.getOwnPropertyDescriptor(Screen.prototype, name)!.get!.bind(realScreen) as () => number;
  const sizes: Array<[string, () => number]> = [
    ['outerWidth', nativeGetter('width')],
    ['outerHeight', nativeGetter('height')],
  ];
  for (const [name, read] of sizes) {
    try {
      Object.defineProperty(window, name, {
        get: () => read(),
        set(value: unknown) {
          Object.defineProperty(window, name, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        },
        enumerable: true,
        configurable: true,
      });
    } catch {
      // a page cannot have locked it yet; nothing to do if it somehow did
    }
  }
  return [sizes[0][1](), sizes[1][1]()];
}

/** Checked once per process (every pool browser runs the same binary): a Chrome too old for `--screen-info` shows pages the tiny window as their screen. */
let screenChecked = false;

/**
 * Presents a page the pool opened at the API's default window: emulated at 1920x1080, density 1,
 * not mobile, so a default capture sends no emulation of its own; other sizes, densities and mobile
 * presets emulate over it (applyContextSettings). The outer size follows the screen in every
 * document after the page's `about:blank`; a capture that writes into that document
 * (`html_content`) presents it first with presentWindowInCurrentDocument.
 */
export async function presentDefaultWindow(page: Page, logger?: Logger): Promise<void> {
  const checkScreen = !screenChecked;
  screenChecked = true;
  const [, , screen] = await Promise.all([
    page.setViewport({ width: DEFAULT_WINDOW.width, height: DEFAULT_WINDOW.height }),
    page.evaluateOnNewDocument(outerSizeOfScreen),
    // about:blank is replaced by the capture's navigation: evaluated there only to read the screen once
    checkScreen ? page.evaluate(outerSizeOfScreen) : undefined,
  ]);
  if (screen && (screen[0] !== DEFAULT_WINDOW.width || screen[1] !== DEFAULT_WINDOW.height)) {
    logger?.warn(
      `Chrome ignored --screen-info: pages read their screen as ${screen[0]}x${screen[1]}, not ` +
        `${DEFAULT_WINDOW.width}x${DEFAULT_WINDOW.height} (a Chrome older than the image's?)`,
    );
  }
}

/** The outer size follows the screen in the page's current document too (the one `html_content` is written into). */
export async function presentWindowInCurrentDocument(page: Page): Promise<void> {
  await page.evaluate(outerSizeOfScreen);
}
