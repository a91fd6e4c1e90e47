// The floors of the benchmark, run in a child process of their own so the
// memory and CPU of "node + Puppeteer + Chrome" are measured the same way as
// the service's (the parent samples this process's tree). The parent sends
// one job at a time and gets its LoadResult back.
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { chromeArgs, DEFAULT_WINDOW, headlessModeFor } from '../../src/browser-pool/chrome-path';
import { BenchPage, benchUrl, hostsPerCapture, LoadResult, runLoad } from './bench-lib';

/**
 * - `warm-tab`: one warm page per worker, each in its own context, goto +
 *   PNG screenshot, nothing prepared or cleared per capture. With `sites:
 *   'same'` every capture loads the same URL, so Chrome reuses the page's
 *   renderer (the strict floor); with `'new'` every capture loads a site no
 *   capture loaded before, so site isolation gives each one a new renderer
 *   even in a warm tab (the realistic floor).
 * - `fresh-context`: a new context and page per capture, closed afterwards
 *   (what a service that isolates captures does, with nothing prepared).
 */
export interface FloorJob {
  kind: 'warm-tab' | 'fresh-context';
  page: BenchPage;
  sites: 'same' | 'new';
  /** The fixture server's port. */
  port: number;
  /** First host index of this job (sites 'new'); it uses (total + concurrency) x hostsPerCapture(page). */
  first: number;
  concurrency: number;
  total: number;
}

export type FloorMessage = { job: FloorJob; id: number } | { close: true };
export type FloorReply = { id: number; result: LoadResult } | { id: number; error: string };

/** The API's default window, which the service's captures below use too. */
const VIEWPORT = { width: DEFAULT_WINDOW.width, height: DEFAULT_WINDOW.height };
/** The binary under test: the parent names it in FLOOR_CHROME; FLOOR_EXTRA_ARGS (JSON) for A/B runs. */
const CHROME = process.env.FLOOR_CHROME!;
const EXTRA_ARGS: string[] = JSON.parse(process.env.FLOOR_EXTRA_ARGS ?? '[]');
const launch = () =>
  puppeteer.launch({
    executablePath: CHROME,
    headless: headlessModeFor(CHROME),
    args: [...chromeArgs(false), ...EXTRA_ARGS],
    pipe: true,
    defaultViewport: VIEWPORT,
  });

async function capture(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.screenshot({ type: 'png' });
}

/** The URL of capture `n` of a job; the workers' warm-up captures use n >= total. */
const urlOf = (job: FloorJob, n: number) =>
  benchUrl(job.port, job.page, job.sites === 'same' ? 0 : job.first + n * hostsPerCapture(job.page));

async function warmTabs(browser: Browser, job: FloorJob) {
  const pages = await Promise.all(
    Array.from({ length: job.concurrency }, async (_, w) => {
      const page = await (await browser.createBrowserContext()).newPage();
      await page.setViewport(VIEWPORT);
      await capture(page, urlOf(job, job.total + w));
      return page;
    }),
  );
  try {
    return await runLoad(job.concurrency, job.total, (w, n) => capture(pages[w], urlOf(job, n)));
  } finally {
    await Promise.all(pages.map((p) => p.browserContext().close()));
  }
}

const freshContexts = (browser: Browser, job: FloorJob) =>
  runLoad(job.concurrency, job.total, async (_, n) => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setViewport(VIEWPORT);
      await capture(page, urlOf(job, n));
    } finally {
      await context.close();
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
        const chrome = await (browser ??= launch());
        const result =
          job.kind === 'warm-tab' ? await warmTabs(chrome, job) : await freshContexts(chrome, job);
        process.send!({ id, result } satisfies FloorReply);
      } catch (err) {
        process.send!({ id, error: (err as Error).stack ?? String(err) } satisfies FloorReply);
      }
    })();
  });
}
