import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createPool, Pool } from 'generic-pool';
import puppeteer, { Browser, BrowserContext, Page } from 'puppeteer-core';
import { AppConfig } from '../config/app-config';
import { CapacityError } from '../common/errors';
import { settledWithin, sleep } from '../common/timing';
import { coalesceWrites } from './cdp-channel';
import { chromeEnvironment } from './chrome-env';
import { chromeArgs, headlessModeFor, poolChromeArgs, resolveChromePath } from './chrome-path';
import { fontconfigEnv } from './fonts';
import { poolWindowArgs, presentDefaultWindow } from './page-window';
import {
  BROWSER_CONTEXT_ROUTER,
  BROWSER_EXTRA_ARGS,
  BrowserContextRouter,
  ContextRoute,
} from './browser-pool.tokens';

/** What the pool knows about one browser beyond what generic-pool tracks. */
interface BrowserState {
  browser: Browser;
  pid?: number;
  /** Captures started on it, for recycling after BROWSER_MAX_USES. */
  uses: number;
  /** Captures running on it right now, and those whose context is still closing. */
  active: number;
  /** Of `active`, the captures that ended and whose context is closing (or waits to close) behind their response. */
  closing: number;
  /** Starts the closes that wait for a quieter moment (see closeLater), each once. */
  closesWaiting: Array<() => void>;
  /** Disconnected or crashed: never handed out again. */
  dead: boolean;
  /**
   * A context with a blank page opened ahead of demand for the next capture
   * on this browser, so opening one (~40 ms on the headless shell) is off the
   * request's path. Never used twice: isolation is that of a fresh context.
   */
  spare?: Promise<PreparedPage>;
}

/** A fresh browser context and its first page, not yet used by any capture. */
interface PreparedPage {
  context: BrowserContext;
  page: Page;
  /** The context's own network route, if a router is configured; closed with the context. */
  route?: ContextRoute;
}

/** A capture's hold on one page slot of one browser. */
export interface PageLease {
  page: Page;
  context: BrowserContext;
  browser: Browser;
  /** The id of the context's own network route (see BROWSER_CONTEXT_ROUTER), if there is one. */
  routeId?: string;
  /**
   * Call it where the capture leaves the browser's main thread mostly idle
   * (while rendering): the next capture's context starts opening on this
   * browser, and the last capture's context, if it waits, starts closing.
   * Otherwise the teardown opens the next one, and a timer closes the last.
   */
  rendering: () => void;
}

/** Raised when the browser under a capture went away mid-flight. */
export class BrowserCrashedError extends CapacityError {
  constructor() {
    super('The browser serving this capture stopped; retry the request', 1);
  }
}

/**
 * Every context refuses downloads: a page that answers with
 * Content-Disposition: attachment, or clicks an <a download>, must not make
 * Chrome write files to the service's disk.
 */
const DENY_DOWNLOADS = { policy: 'deny' } as const;

const CLOSE_TIMEOUT_MS = 5000;
/** Opening a context and a page takes well under a second; a browser that needs this long is hung. */
const OPEN_TIMEOUT_MS = 15000;
/** Pause before a failed launch is tried again (launch() adds its back-off). */
const RELAUNCH_DELAY_MS = 1000;

/**
 * SIGKILL for a browser and everything it started: Puppeteer spawns Chrome
 * detached, so its PID is also its process group. Killing only the main
 * process would leave renderers and zygotes to notice on their own.
 */
function killBrowserProcessGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * A generic-pool of Puppeteer browsers. generic-pool owns launching,
 * min/max, validation on borrow and draining; this service adds what it
 * cannot express: several captures share one borrowed browser (each in its
 * own browser context), a browser is recycled after BROWSER_MAX_USES, and a
 * browser that dies is destroyed and replaced at once.
 */
@Injectable()
export class BrowserPoolService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(BrowserPoolService.name);
  /** Marks every Chrome process this pool starts (children inherit the env), so tests and shutdown can find them. */
  readonly instanceId = randomUUID();
  private readonly states = new Map<Browser, BrowserState>();
  /** Browsers borrowed from generic-pool that still have free page slots. */
  private readonly lent = new Set<BrowserState>();
  private pool: Pool<Browser>;
  private chromePath: string;
  private shuttingDown = false;
  /** Aborted when shutdown begins: ends retry pauses. */
  private readonly stopping = new AbortController();
  private launchFailures = 0;
  /** Failed launches since the last good one: drives the back-off and readiness. */
  private failureStreak = 0;
  private everLaunched = false;
  /** Captures waiting for a page slot that a closing context holds; woken whenever a slot frees. */
  private slotWaiters: Array<() => void> = [];
  /** The borrow from generic-pool under way, if any: captures that need a browser share it. */
  private borrowing?: Promise<void>;
  /** Run on every page the pool opens, before a capture gets it (see prepareEachPage). */
  private pagePreparer?: (page: Page) => Promise<void>;
  /** Counts browsers that died or were recycled: exported as a metric. */
  restarts = 0;

  constructor(
    private readonly config: AppConfig,
    @Optional() @Inject(BROWSER_EXTRA_ARGS) private readonly extraArgs: string[] = [],
    @Optional() @Inject(BROWSER_CONTEXT_ROUTER) private readonly router?: BrowserContextRouter,
  ) {}

  onModuleInit(): void {
    this.chromePath = resolveChromePath(this.config.CHROME_PATH);
    this.pool = createPool<Browser>(
      {
        create: () => this.launchUntilUp(),
        destroy: (browser) => this.close(browser),
        validate: async (browser) => {
          const state = this.states.get(browser);
          return !!state && !state.dead && browser.connected && state.uses < this.config.BROWSER_MAX_USES;
        },
      },
      {
        min: this.config.BROWSER_POOL_MIN,
        max: this.config.BROWSER_POOL_MAX,
        testOnBorrow: true,
        // A browser that cannot start must not hang a request: the borrow gives up.
        acquireTimeoutMillis: this.config.BROWSER_LAUNCH_TIMEOUT_MS,
        autostart: true,
      },
    );
    this.logger.log(
      `browser pool: ${this.config.BROWSER_POOL_MIN}..${this.config.BROWSER_POOL_MAX} x ${this.config.BROWSER_MAX_CONCURRENT_PAGES} pages, chrome ${this.chromePath}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  /**
   * Ready when not shutting down and a connected browser exists, or one is
   * merely being replaced (browsers have launched before and the last launch
   * did not fail). Before the first launch succeeds, not ready.
   */
  isReady(): boolean {
    if (this.shuttingDown) return false;
    if (this.hasLiveBrowser()) return true;
    return this.failureStreak === 0 && (this.everLaunched || this.config.BROWSER_POOL_MIN === 0);
  }

  stats() {
    const states = [...this.states.values()];
    return {
      browsers: states.length,
      connected: states.filter((s) => !s.dead && s.browser.connected).length,
      activePages: states.reduce((n, s) => n + s.active, 0),
      /** Of `activePages`, finished captures whose context waits to close (BROWSER_CLOSE_WAIT_MS). */
      closesWaiting: states.reduce((n, s) => n + s.closesWaiting.length, 0),
      /** Contexts opened ahead of demand, one per browser that will serve another capture. */
      preparedPages: states.filter((s) => s.spare && !s.dead).length,
      restarts: this.restarts,
      launchFailures: this.launchFailures,
      pending: this.pool?.pending ?? 0,
    };
  }

  /**
   * Set-up every capture's page needs, done to each page when the pool opens it: ahead of demand
   * for a prepared page, off the request's path. A page whose set-up fails is not handed out.
   */
  prepareEachPage(preparer: (page: Page) => Promise<void>): void {
    this.pagePreparer = preparer;
  }

  /** PIDs of the Chrome main processes this pool holds right now. */
  browserPids(): number[] {
    return [...this.states.values()].map((s) => s.pid).filter((p): p is number => typeof p === 'number');
  }

  /**
   * Runs `fn` with a fresh page in a fresh browser context and tears both
   * down afterwards, whatever happens. Nothing of one capture is visible to another.
   *
   * When `fn` succeeds its result comes back at once and the context closes
   * behind it (the answer need not wait for Chrome); the page slot stays
   * taken until it is closed. When `fn` fails (perhaps on a hung page), the
   * teardown is awaited before the error comes back.
   */
  async withPage<T>(fn: (lease: PageLease) => Promise<T>): Promise<T> {
    const state = await this.acquireSlot();
    let prepared: PreparedPage | undefined;
    let succeeded = false;
    try {
      prepared = await this.takePage(state);
      if (!prepared) {
        // Otherwise a hung browser would go back to the pool and stall every capture sent to it.
        this.killHung(state, 'did not open a page in time');
        throw new BrowserCrashedError();
      }
      const result = await fn({
        page: prepared.page,
        context: prepared.context,
        routeId: prepared.route?.id,
        browser: state.browser,
        rendering: () => {
          this.prepareSpare(state);
          this.startWaitingCloses(state);
        },
      });
      succeeded = true;
      return result;
    } catch (err) {
      if (state.dead || !state.browser.connected) throw new BrowserCrashedError();
      throw err;
    } finally {
      const context = prepared?.context;
      const route = prepared?.route;
      this.prepareSpare(state);
      state.closing++;
      // A failed capture (perhaps a hung page) is torn down at once, and before its error is answered.
      const when = succeeded && this.mayCloseLater(state) ? this.closeLater(state) : Promise.resolve();
      const teardown = when.then(async () => {
        try {
          if (context) await this.closeContext(state, context);
          route?.close();
        } finally {
          state.closing--;
          this.releaseSlot(state);
        }
      });
      if (!succeeded) await teardown;
    }
  }

  /**
   * A finished capture's context may wait to close (BROWSER_CLOSE_WAIT_MS) for the next capture on
   * its browser to start rendering: closed at once, Chrome's teardown lands on the next capture's
   * navigation when a client sends its next request as soon as it has the answer (~12 ms of a
   * ~120 ms capture here, docs/performance.md), while a rendering capture mostly waits for frames.
   * It waits only while its browser has a free page slot besides it and no capture waits for one:
   * a wait never costs another capture its slot.
   */
  private mayCloseLater(state: BrowserState): boolean {
    return (
      this.config.BROWSER_CLOSE_WAIT_MS > 0 &&
      !this.shuttingDown &&
      this.usable(state) &&
      state.active < this.config.BROWSER_MAX_CONCURRENT_PAGES &&
      this.slotWaiters.length === 0
    );
  }

  /** Resolves when the next capture on this browser starts rendering, a slot is needed, or BROWSER_CLOSE_WAIT_MS pass. */
  private closeLater(state: BrowserState): Promise<void> {
    return new Promise((resolve) => {
      const start = () => {
        clearTimeout(timer);
        const i = state.closesWaiting.indexOf(start);
        if (i >= 0) state.closesWaiting.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(start, this.config.BROWSER_CLOSE_WAIT_MS);
      state.closesWaiting.push(start);
    });
  }

  private startWaitingCloses(state: BrowserState): void {
    for (const start of [...state.closesWaiting]) start();
  }

  /**
   * The browser's prepared page (waited for if it is still opening; a new
   * one if preparing it failed), or a new one; undefined if the browser
   * does not open one in time. The next spare opens when the capture calls
   * `rendering` or ends: opening one at once would compete with this
   * capture's navigation for Chrome's main thread.
   */
  private takePage(state: BrowserState): Promise<PreparedPage | undefined> {
    const spare = state.spare;
    state.spare = undefined;
    const opening = spare ? spare.catch(() => this.openPage(state)) : this.openPage(state);
    return settledWithin(opening, OPEN_TIMEOUT_MS).then((prepared) => {
      // Too late to serve (the browser gets killed): its route must not stay open.
      if (!prepared)
        void opening.then(
          (late) => late.route?.close(),
          () => undefined,
        );
      return prepared;
    });
  }

  private async openPage(state: BrowserState): Promise<PreparedPage> {
    const route = await this.router?.open();
    try {
      const context = await state.browser.createBrowserContext({
        downloadBehavior: DENY_DOWNLOADS,
        ...(route ? { proxyServer: route.proxyServer, proxyBypassList: route.proxyBypassList } : {}),
      });
      try {
        const page = await context.newPage();
        await Promise.all([presentDefaultWindow(page, this.logger), this.pagePreparer?.(page)]);
        return { context, page, route };
      } catch (err) {
        await context.close().catch(() => undefined);
        throw err;
      }
    } catch (err) {
      route?.close();
      throw err;
    }
  }

  /**
   * Opens the next capture's context and page ahead of demand, if this browser will serve another
   * capture and has a page slot for it: BROWSER_MAX_CONCURRENT_PAGES bounds the pages a browser holds,
   * the prepared one included. Under a full load the next capture would wait for a slot anyway, and a
   * spare renderer would only add its memory (~20 MiB) to the peak; the spare opens when a slot frees.
   */
  private prepareSpare(state: BrowserState): void {
    if (state.spare || this.shuttingDown || !this.usable(state)) return;
    if (state.active >= this.config.BROWSER_MAX_CONCURRENT_PAGES) return;
    const spare = this.openPage(state);
    void spare.catch(() => undefined); // a failed spare is replaced by the capture that takes it
    state.spare = spare;
  }

  private async acquireSlot(): Promise<BrowserState> {
    if (this.shuttingDown) throw new CapacityError('The service is shutting down', 5);
    if (this.failureStreak > 0 && !this.hasLiveBrowser()) {
      // Chrome does not start right now: say so at once instead of holding the request for a launch timeout.
      throw new CapacityError('No browser could be started; the service is not ready', 5);
    }
    for (;;) {
      for (const state of this.lent) {
        if (this.usable(state) && state.active < this.config.BROWSER_MAX_CONCURRENT_PAGES) {
          return this.occupy(state);
        }
      }
      // A slot held by a context that is closing frees within milliseconds; a second browser would
      // take a launch (~0.4 s) and ~100 MiB more. Under a steady load of BROWSER_MAX_CONCURRENT_PAGES
      // clients, each next request arrives while the last one's context closes behind its response.
      if ([...this.lent].some((s) => this.usable(s) && s.closing > 0)) {
        for (const s of this.lent) this.startWaitingCloses(s);
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        if (this.shuttingDown) throw new CapacityError('The service is shutting down', 5);
        continue;
      }
      // One borrow at a time: the browser on its way has pages for several captures. Borrowing one per
      // waiting capture launched a second browser whenever one was recycled, and kept both.
      if (!this.borrowing) {
        this.borrowing = this.borrow().finally(() => (this.borrowing = undefined));
      }
      await this.borrowing;
    }
  }

  /** Borrows a browser from generic-pool (launching one if none is idle) and lends its pages out. */
  private async borrow(): Promise<void> {
    let browser: Browser;
    try {
      browser = await this.pool.acquire();
    } catch {
      throw new CapacityError('No browser became available in time', 2);
    }
    this.lent.add(this.states.get(browser)!);
  }

  private occupy(state: BrowserState): BrowserState {
    state.active++;
    state.uses++;
    if (state.uses >= this.config.BROWSER_MAX_USES) this.lent.delete(state); // no new captures on it
    return state;
  }

  private hasLiveBrowser(): boolean {
    return [...this.states.values()].some((s) => !s.dead && s.browser.connected);
  }

  private usable(state: BrowserState): boolean {
    return !state.dead && state.browser.connected && state.uses < this.config.BROWSER_MAX_USES;
  }

  private releaseSlot(state: BrowserState): void {
    state.active--;
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
    if (state.active > 0) {
      this.prepareSpare(state); // the slot that freed: the next capture finds its page opening
      return;
    }
    this.lent.delete(state);
    if (this.usable(state) && !this.shuttingDown) {
      void this.pool.release(state.browser).catch(() => undefined);
    } else {
      // Dead or worn out: destroying it lets generic-pool launch a replacement to keep `min`.
      if (!state.dead) this.restarts++;
      void this.pool.destroy(state.browser).catch(() => undefined);
    }
  }

  private async closeContext(state: BrowserState, context: BrowserContext): Promise<void> {
    if (state.dead || !state.browser.connected) return;
    const closed = await settledWithin(
      context.close().then(
        () => true,
        () => true,
      ),
      CLOSE_TIMEOUT_MS,
    );
    // Chrome closes a context even over a renderer stuck in while(1); one that cannot is a hung browser.
    if (!closed) this.killHung(state, 'did not close a browser context in time');
  }

  private killHung(state: BrowserState, what: string): void {
    this.logger.warn(`browser ${state.pid} ${what}; killing it`);
    this.markDead(state);
    killBrowserProcessGroup(state.pid);
  }

  /**
   * generic-pool's factory: launches until a browser is up or shutdown
   * begins. generic-pool refills to `min` only when a request waits or a
   * browser is destroyed, so a create that failed would leave the pool short
   * (and the service unready) for good; retrying here, paced, keeps it at
   * `min` through its public API only.
   */
  /** Waits `ms`, or rejects at once when shutdown begins (a retry pause must not hold up closing the pool). */
  private pause(ms: number): Promise<void> {
    return sleep(ms, this.stopping.signal);
  }

  private async launchUntilUp(): Promise<Browser> {
    for (;;) {
      try {
        return await this.launch();
      } catch (err) {
        if (this.shuttingDown) throw err; // a launch cut short by shutdown is no failure
        this.launchFailures++;
        this.failureStreak++;
        // log the first failure of a streak and then every tenth
        if (this.failureStreak % 10 === 1) {
          this.logger.error(
            `browser launch failed (${this.failureStreak} in a row): ${(err as Error).message}`,
          );
        }
        await this.pause(RELAUNCH_DELAY_MS); // launch() adds its own back-off
      }
    }
  }

  private markDead(state: BrowserState): void {
    if (state.dead) return;
    state.dead = true;
    this.restarts++;
    this.lent.delete(state);
    this.startWaitingCloses(state); // nothing of a dead browser is worth waiting for: its slots free at once
    // An idle dead browser sits in generic-pool's idle list: borrowing purges it (validate fails) and refills to min.
    if (state.active === 0 && !this.shuttingDown) void this.purgeIdle();
  }

  /** Borrow every idle browser once so that validation destroys the dead ones, then give the rest back. */
  private async purgeIdle(): Promise<void> {
    const borrowed: Browser[] = [];
    try {
      for (let n = this.pool.available; n > 0; n--) borrowed.push(await this.pool.acquire());
    } catch {
      // launch failures are logged by the factory; nothing more to do here
    } finally {
      for (const browser of borrowed) await this.pool.release(browser).catch(() => undefined);
    }
  }

  private async launch(): Promise<Browser> {
    if (this.failureStreak > 0) {
      // Back off after failures so a broken Chrome does not become a launch loop that eats the CPU.
      await this.pause(Math.min(100 * 2 ** this.failureStreak, 5000));
    }
    if (this.shuttingDown) throw new Error('shutting down');
    const browser = await puppeteer.launch({
      executablePath: this.chromePath,
      headless: headlessModeFor(this.chromePath),
      args: [
        ...chromeArgs(this.config.CHROME_SANDBOX),
        ...poolChromeArgs(this.config.CHROME_SANDBOX),
        ...poolWindowArgs(),
        ...this.extraArgs,
      ],
      pipe: true,
      timeout: this.config.BROWSER_LAUNCH_TIMEOUT_MS,
      protocolTimeout: Math.max(this.config.REQUEST_TIMEOUT_MS, 30000),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // no secret of the service in Chrome; an operator's own FONTCONFIG_FILE wins over Pixashot's
      env: chromeEnvironment({ ...fontconfigEnv(), ...process.env }, this.instanceId),
      downloadBehavior: DENY_DOWNLOADS,
      defaultViewport: null,
    });
    // pipe: true puts Puppeteer's end of the CDP pipe on Chrome's fd 3
    const pipe = browser.process()?.stdio[3];
    if (pipe && 'write' in pipe) coalesceWrites(pipe);
    // Chrome starts with a blank tab in its default context, which no capture uses: its renderer
    // process would hold ~10-20 MiB for the browser's whole life.
    await Promise.all(
      (await browser.pages().catch(() => [])).map((page) => page.close().catch(() => undefined)),
    );
    const state: BrowserState = {
      browser,
      pid: browser.process()?.pid,
      uses: 0,
      active: 0,
      closing: 0,
      closesWaiting: [],
      dead: false,
    };
    this.states.set(browser, state);
    this.prepareSpare(state);
    this.failureStreak = 0;
    this.everLaunched = true;
    browser.on('disconnected', () => {
      if (!this.shuttingDown && !state.dead) this.logger.warn(`browser ${state.pid} disconnected`);
      this.markDead(state);
    });
    this.logger.log(`browser ${state.pid} launched`);
    return browser;
  }

  private async close(browser: Browser): Promise<void> {
    const state = this.states.get(browser);
    this.states.delete(browser);
    if (state) state.dead = true;
    // A context prepared for a capture that will not come: its route goes with the browser. While
    // the browser is up, its page first finishes opening: a browser closed under Puppeteer's
    // newPage() leaves that call waiting for the page's target, a 30 s timer that outlives shutdown.
    const spare = state?.spare;
    if (spare && browser.connected)
      await settledWithin(
        spare.catch(() => undefined),
        CLOSE_TIMEOUT_MS,
      );
    void spare?.then(
      (prepared) => prepared.route?.close(),
      () => undefined,
    );
    const proc = browser.process();
    await settledWithin(
      browser.close().catch(() => undefined),
      CLOSE_TIMEOUT_MS,
    );
    if (proc && proc.exitCode === null && proc.signalCode === null) killBrowserProcessGroup(proc.pid);
  }

  private async shutdown(): Promise<void> {
    if (this.shuttingDown || !this.pool) return;
    this.shuttingDown = true;
    this.stopping.abort();
    // Contexts waiting for a quieter moment to close have none to wait for now.
    for (const state of this.states.values()) this.startWaitingCloses(state);
    // Browsers still lent (captures in flight) go back or get destroyed as those captures finish.
    await settledWithin(this.pool.drain(), this.config.SHUTDOWN_GRACE_MS + CLOSE_TIMEOUT_MS);
    await this.pool.clear();
    await Promise.all([...this.states.keys()].map((b) => this.close(b)));
  }
}
