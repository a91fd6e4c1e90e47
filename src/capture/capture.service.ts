import { Inject, Injectable, Optional } from '@nestjs/common';
import type { HTTPResponse, Page } from 'puppeteer-core';
import { BrowserPoolService, PageLease } from '../browser-pool/browser-pool.service';
import { presentWindowInCurrentDocument } from '../browser-pool/page-window';
import { AppConfig } from '../config/app-config';
import { Deadline } from '../common/deadline';
import { sleep, within } from '../common/timing';
import {
  BlockedTargetError,
  CapacityError,
  NavigationError,
  PixashotError,
  TimeoutError,
} from '../common/errors';
import {
  BLOCKED_HEADER,
  CONNECT_ERROR_HEADER,
  DNS_ERROR_HEADER,
  UPSTREAM_ERROR_HEADER,
} from '../egress/egress-proxy';
import { Admission, Claimant } from './admission';
import { CaptureOptions } from './capture-options';
import { CaptureResult, Phase, TARGET_GUARD, TargetGuard } from './capture.types';
import { loadLazyContent } from './lazy-content';
import { hideSelectors, isPuppeteerTimeout, runCustomJs, waitForAnimations } from './page-actions';
import { runInteractions } from './page-interactions';
import { preparePopupBlocker } from './popups';
import { render } from './page-render';
import { applyContextSettings } from './page-setup';
import { adoptStylesInCurrentDocument } from './page-styles';
import { failingStatuses, statusFails } from './capture-control.rules';
import { runContentChecks, scrollIntoView, waitForPageReady } from './capture-control';
import { readPageMetadata } from './page-metadata';
import {
  loadLazyContentWithoutScripts,
  waitForAnimationsWithoutScripts,
  waitForWebFontsWithoutScripts,
} from './scripts-off';
import { waitForWebFonts } from './web-fonts';

/**
 * Rejects when the page's renderer crashes (a script that eats memory past
 * Chrome's heap limit, a renderer bug): whatever phase was waiting on the
 * page would otherwise wait for the deadline.
 */
function crashOf(page: Page): Promise<never> {
  const crashed = new Promise<never>((_, reject) => {
    page.once('error', () =>
      reject(new NavigationError('The page crashed while rendering (out of memory, or a renderer fault)')),
    );
  });
  crashed.catch(() => undefined); // the race reports it; after the race nobody listens
  return crashed;
}

/** Measures consecutive phases for Server-Timing. */
class PhaseClock {
  private last = Date.now();
  readonly timings: Record<Phase, number> = { queue: 0, navigate: 0, wait: 0, capture: 0 };
  lap(phase: Phase): void {
    const now = Date.now();
    this.timings[phase] += now - this.last;
    this.last = now;
  }
}

/**
 * The capture pipeline (docs/api.md): admission, then in a fresh browser
 * context: context settings -> navigate -> network wait -> wait_for_selector
 * -> wait_for_selector_hidden -> wait_for_function -> web fonts -> consent
 * banners -> page changes -> interactions -> lazy content (full_page) ->
 * scroll_into_view -> animation wait -> delay -> content checks -> capture
 * (clip, resize).
 * Every phase runs under the request's deadline; the pool closes the context
 * whatever happens.
 */
@Injectable()
export class CaptureService {
  constructor(
    private readonly config: AppConfig,
    private readonly pool: BrowserPoolService,
    private readonly admission: Admission,
    @Optional() @Inject(TARGET_GUARD) private readonly targetGuard?: TargetGuard,
  ) {
    // blocking popups is the default: its script goes onto each page while the pool prepares it
    if (config.USE_POPUP_BLOCKER) pool.prepareEachPage(preparePopupBlocker);
  }

  /**
   * Runs one capture of `opts` (parseCaptureRequest's result) under `deadline`. `claimant`: who asked
   * (see claimantOf), for fair admission; without it only the global limits apply. `admitted`: the
   * release function of a slot the caller already holds (asynchronous jobs enter through
   * `admission.enterBackground`); without it the capture queues for a slot under its deadline.
   */
  async capture(
    opts: CaptureOptions,
    deadline: Deadline,
    claimant?: Claimant,
    admitted?: () => void,
  ): Promise<CaptureResult> {
    const clock = new PhaseClock();
    const release = admitted ?? (await this.admission.enter(deadline, claimant));
    clock.lap('queue');
    const progress = { waitingForBrowser: false };
    // The client is answered when the deadline passes, whatever phase hangs (waiting for a browser,
    // opening the context); the slot stays taken until the pool has really torn the page down. A
    // capture that succeeded hands its slot on with its result: its context closes behind it,
    // holding only a page slot of its browser.
    const work = (async () => {
      try {
        if (opts.url && this.targetGuard)
          await deadline.run(this.targetGuard.checkUrl(opts.url), 'target check');
        progress.waitingForBrowser = true;
        return await this.pool.withPage((lease) => {
          progress.waitingForBrowser = false;
          return deadline.run(Promise.race([this.run(lease, opts, deadline, clock), crashOf(lease.page)]));
        });
      } finally {
        release();
      }
    })();
    try {
      return await deadline.run(work);
    } catch (err) {
      if (progress.waitingForBrowser && err instanceof TimeoutError) {
        throw new CapacityError('No browser became available before the request deadline', 2);
      }
      throw err;
    }
  }

  private async run(lease: PageLease, opts: CaptureOptions, deadline: Deadline, clock: PhaseClock) {
    const { page, context } = lease;
    const waitMs = () => deadline.cap(opts.wait_for_timeout);
    page.setDefaultTimeout(deadline.remaining());
    const helpers = await applyContextSettings(page, context, opts);

    const navigatedAt = Date.now();
    const response = await this.navigate(page, lease.routeId, opts, waitMs());
    clock.lap('navigate');

    let networkIdle = true;
    if (opts.wait_for_network !== 'none') {
      networkIdle = await page
        .waitForNetworkIdle({
          idleTime: 500,
          concurrency: opts.wait_for_network === 'idle' ? 0 : 2,
          timeout: waitMs(),
        })
        .then(
          () => true,
          (err) => {
            if (isPuppeteerTimeout(err)) return false;
            throw err;
          },
        );
    }
    if (opts.wait_for_selector) {
      await page
        .waitForSelector(opts.wait_for_selector, { visible: true, timeout: waitMs() })
        .catch((err) => {
          if (isPuppeteerTimeout(err)) {
            throw new TimeoutError(
              `"${opts.wait_for_selector}" did not become visible within ${opts.wait_for_timeout} ms`,
            );
          }
          throw new TimeoutError(`wait_for_selector failed: ${(err as Error).message.split('\n')[0]}`);
        });
    }
    await waitForPageReady(page, opts, waitMs);
    // with scripts off no timer or animation frame fires in the page: those waits are driven from here
    await (opts.javascript_enabled ? waitForWebFonts : waitForWebFontsWithoutScripts)(page, waitMs());
    if (helpers.consent) await helpers.consent.settle(waitMs());
    if (opts.custom_js) await runCustomJs(page, opts.custom_js, waitMs());
    if (opts.hide_selectors?.length) await hideSelectors(page, opts.hide_selectors);
    if (opts.interactions?.length) {
      await runInteractions(page, opts.interactions, waitMs, () => helpers.popups.refocus());
    }
    await helpers.popups.refocus();
    const [lazy, animations] = opts.javascript_enabled
      ? [loadLazyContent, waitForAnimations]
      : [loadLazyContentWithoutScripts, waitForAnimationsWithoutScripts];
    if (opts.full_page) await lazy(page, this.config.MAX_CAPTURE_HEIGHT, waitMs());
    await scrollIntoView(page, opts);
    if (opts.wait_for_animation) await animations(page, waitMs());
    if (opts.delay_capture > 0) await sleep(opts.delay_capture);
    await runContentChecks(page, opts, helpers);
    this.checkNetwork(lease.routeId, page.url(), navigatedAt);
    clock.lap('wait');

    lease.rendering(); // the screenshot keeps Chrome's compositor busy, not the thread that opens and closes pages
    // the page's metadata is read while Chrome encodes the output: one round trip less on the answer's path
    const [rendered, pageMetadata] = await Promise.all([
      render(page, opts, {
        maxHeight: this.config.MAX_CAPTURE_HEIGHT,
        maxPixels: this.config.MAX_CAPTURE_PIXELS,
        maxPdfBytes: this.config.MAX_PDF_BYTES,
        maxHtmlBytes: this.config.MAX_HTML_OUTPUT_BYTES,
      }),
      readPageMetadata(page),
    ]);
    clock.lap('capture');
    const { body, contentType, ...sizes } = rendered;
    return {
      body,
      contentType,
      timings: clock.timings,
      metadata: {
        final_url: page.url(),
        status_code: response?.status() ?? null,
        ...pageMetadata,
        format: opts.format,
        network_idle: networkIdle,
        duration_ms: Date.now() - deadline.startedAt,
        ...sizes,
      },
    } satisfies CaptureResult;
  }

  /** Loads the target; maps what can go wrong to the API's errors. */
  private async navigate(
    page: Page,
    route: string | undefined,
    opts: CaptureOptions,
    timeout: number,
  ): Promise<HTTPResponse | null> {
    if (opts.html_content !== undefined) {
      const timedOut = () => new TimeoutError(`The content did not finish loading within ${timeout} ms`);
      const html = opts.html_content;
      const write = async () => {
        // the content goes into the prepared about:blank: what a new document would get, it gets now
        await presentWindowInCurrentDocument(page);
        if (opts.styles) await adoptStylesInCurrentDocument(page, opts.styles);
        await page.setContent(html, { waitUntil: 'load', timeout });
      };
      // setContent's own timeout does not cover a script that never yields (while(1) in the content).
      await within(write(), timeout, timedOut).catch((err) => {
        throw isPuppeteerTimeout(err) ? timedOut() : err;
      });
      return null;
    }
    const url = opts.url!;
    const startedAt = Date.now();
    let response: HTTPResponse | null;
    try {
      response = await page.goto(url, { waitUntil: 'load', timeout });
    } catch (err) {
      if (err instanceof PixashotError) throw err;
      this.checkNetwork(route, url, startedAt);
      if (isPuppeteerTimeout(err))
        throw new TimeoutError(`The page did not finish loading within ${timeout} ms`);
      const reason = /net::ERR_[A-Z_]+/.exec((err as Error).message)?.[0] ?? 'navigation failed';
      // An https hop the proxy refused surfaces as a failed tunnel, under the hop's host.
      if (reason === 'net::ERR_TUNNEL_CONNECTION_FAILED' && this.targetGuard?.deniedSince(route, startedAt)) {
        throw new BlockedTargetError('A redirect of the target is not allowed by the network policy');
      }
      throw new NavigationError(`Could not load ${url}: ${reason}`);
    }
    const chain = response
      ? [
          ...response
            .request()
            .redirectChain()
            .map((r) => r.response()),
          response,
        ]
      : [];
    // Plain-http hops pass the egress proxy as requests, so its verdicts arrive as marked responses.
    if (chain.some((r) => r?.headers()[BLOCKED_HEADER])) {
      throw new BlockedTargetError('The target or one of its redirects is not allowed by the network policy');
    }
    const finalHeaders = response?.headers() ?? {};
    if (finalHeaders[DNS_ERROR_HEADER])
      throw new NavigationError(`Could not resolve the host of ${page.url()}`);
    if (finalHeaders[CONNECT_ERROR_HEADER]) {
      throw new NavigationError(`Could not connect to ${page.url()}: connection refused or timed out`);
    }
    if (finalHeaders[UPSTREAM_ERROR_HEADER]) {
      throw new NavigationError(`${page.url()} sent a malformed answer, or none in time`);
    }
    this.checkNetwork(route, page.url(), startedAt);
    const status = response?.status() ?? 0;
    if (statusFails(failingStatuses(opts), status)) {
      throw new NavigationError(`The target answered with HTTP ${status}`, status);
    }
    return response;
  }

  /**
   * What the egress proxy did to this capture's own connections: a main-frame
   * hop it refused shows up as a browser error (report it as what it is), and
   * a proxy that died under the capture leaves it with missing parts.
   */
  private checkNetwork(route: string | undefined, url: string, sinceMs: number): void {
    if (this.targetGuard?.wasDenied(route, url, sinceMs)) {
      throw new BlockedTargetError(`${new URL(url).hostname} is not allowed by the network policy`);
    }
    if (this.targetGuard?.wasInterrupted(route)) {
      throw new NavigationError('The egress proxy restarted during the capture; retry the request');
    }
  }
}
