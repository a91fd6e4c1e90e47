// The baselines of the benchmark, run in a child process of their own so the
// memory of "node + Puppeteer + Chrome" is measured the same way as the
// service's (the parent samples this process's tree). The parent sends one
// job at a time and gets its LoadResult back.
import puppeteer, { Browser, Page, ScreenshotOptions } from 'puppeteer-core';
import { chromeArgs, headlessModeFor } from '../../src/browser-pool/chrome-path';
import { LoadResult, runLoad } from './bench-lib';

export type FloorJob =
  | { kind: 'warm-tab'; url: string; concurrency: number; total: number; optimizeForSpeed: boolean }
  | { kind: 'fresh-context'; url: string; concurrency: number; total: number }
  | { kind: 'fresh-browser'; url: string; total: number };

export type FloorMessage = { job: FloorJob; id: number } | { close: true };
export type FloorReply = { id: number; result: LoadResult } | { id: number; error: string };

const VIEWPORT = { width: 1280, height: 720 };
/** The binary under test: the parent names it in FLOOR_CHROME. */
const CHROME = process.env.FLOOR_CHROME!;
const launch = () =>
  puppeteer.launch({
    executablePath: CHROME,
    headless: headlessModeFor(CHROME),
    args: chromeArgs(false),
    pipe: true,
    defaultViewport: VIEWPORT,
  });

async function capture(page: Page, url: string, optimizeForSpeed = false): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  const shot: ScreenshotOptions = { type: 'png', optimizeForSpeed };
  await page.screenshot(shot);
}

/** One warm page per worker, each in its own context: the floor, nothing prepared per capture, nothing cleared. */
async function warmTabs(browser: Browser, job: Extract<FloorJob, { kind: 'warm-tab' }>) {
  const pages = await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      const page = await (await browser.createBrowserContext()).newPage();
      await page.setViewport(VIEWPORT);
      await capture(page, job.url);
      return page;
    }),
  );
  try {
    return await runLoad(job.concurrency, job.total, (w) => capture(pages[w], job.url, job.optimizeForSpeed));
  } finally {
    await Promise.all(pages.map((p) => p.browserContext().close()));
  }
}

/** A fresh context and page per capture, closed afterwards. */
const freshContexts = (browser: Browser, job: Extract<FloorJob, { kind: 'fresh-context' }>) =>
  runLoad(job.concurrency, job.total, async () => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setViewport(VIEWPORT);
      await capture(page, job.url);
    } finally {
      await context.close();
    }
  });

/** A fresh browser per capture (what a service without a pool does). */
const freshBrowsers = (job: Extract<FloorJob, { kind: 'fresh-browser' }>) =>
  runLoad(1, job.total, async () => {
    const browser = await launch();
    try {
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      await capture(page, job.url);
    } finally {
      await browser.close();
    }
  });

if (require.main === module) {
  let browser: Promise<Browser> | undefined;
  process.on('message', (message: FloorMessage) => {
    if ('close' in message) {
      void (async () => {
        await (await browser)?.close();
        process.exit(0);
      })();
      return;
    }
    const { job, id } = message;
    void (async () => {
      try {
        let result: LoadResult;
        if (job.kind === 'fresh-browser') result = await freshBrowsers(job);
        else if (job.kind === 'warm-tab') result = await warmTabs(await (browser ??= launch()), job);
        else result = await freshContexts(await (browser ??= launch()), job);
        process.send!({ id, result } satisfies FloorReply);
      } catch (err) {
        process.send!({ id, error: (err as Error).stack ?? String(err) } satisfies FloorReply);
      }
    })();
  });
}
