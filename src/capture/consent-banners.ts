import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { filterCompactRules } from '@duckduckgo/autoconsent';
import type { CDPSession, Page, Protocol } from 'puppeteer-core';

/**
 * Consent banners, handled by DuckDuckGo's autoconsent: its content script
 * detects the consent platform of the page (OneTrust, Cookiebot, Didomi,
 * Quantcast, TrustArc... several hundred rules, shipped with the package, no
 * network needed), clicks its "reject" path, and hides what cannot be
 * clicked away.
 *
 * The script runs in an isolated world of every frame of the page's process
 * (the page cannot see or call it) and talks to us through a CDP binding
 * that exists only in that world; rules that must touch the page's own
 * objects ask us to evaluate a snippet in the frame's main world. Frames in
 * other processes (cross-site iframes) are not covered.
 */

const WORLD = 'pixashot-consent';
const BINDING = '__pixashotConsent';
/** A capture waits at most this long for a banner to be handled (and never longer than wait_for_timeout). */
export const CONSENT_SETTLE_MAX_MS = 10000;

/** autoconsent's configuration (see its lib/types.ts): opt out, hide early, no console noise. */
const AUTOCONSENT_CONFIG = {
  enabled: true,
  autoAction: 'optOut',
  disabledCmps: [],
  enablePrehide: true,
  enableCosmeticRules: true,
  enableGeneratedRules: true,
  enableHeuristicDetection: false,
  detectRetries: 20,
  isMainWorld: false,
  prehideTimeout: 2000,
  visualTest: false,
  logs: {
    lifecycle: false,
    rulesteps: false,
    detectionsteps: false,
    evals: false,
    errors: false,
    messages: false,
    waits: false,
  },
};

let assets: { script: string; compactRules: Parameters<typeof filterCompactRules>[0] } | undefined;

/** The package's page-injectable build, wired to our binding, and its compact rule set; read once. */
function loadAssets() {
  if (!assets) {
    const dist = dirname(require.resolve('@duckduckgo/autoconsent'));
    const build = readFileSync(join(dist, 'autoconsent.playwright.js'), 'utf8');
    const rulesPath = require.resolve('@duckduckgo/autoconsent/rules/compact-rules.json');
    assets = {
      // the build expects window.autoconsentSendMessage; a CDP binding takes one string
      script: `window.autoconsentSendMessage = (message) => {
  try { ${BINDING}(JSON.stringify(message)); } catch (e) { /* the page is going away */ }
  return Promise.resolve();
};
${build}`,
      compactRules: JSON.parse(readFileSync(rulesPath, 'utf8')),
    };
  }
  return assets;
}

/** Where autoconsent is in a frame: see ConsentState in its lib/types.ts. */
interface FrameReport {
  contextId: number;
  mainFrame: boolean;
  lifecycle: string;
  findCmpAttempts: number;
  /** When the frame entered this lifecycle state (Date.now()). */
  since: number;
}

/** A consent platform was found and autoconsent is dealing with it. */
const BUSY = new Set(['cmpDetected', 'openPopupDetected', 'runningOptOut', 'runningOptIn']);
/**
 * How long autoconsent looks for the popup of a platform it detected (10
 * tries 500 ms apart). A platform that shows none (consent not needed in
 * this region...) stays "cmpDetected" for good: past this, it is not busy.
 */
const POPUP_SEARCH_MS = 5500;
/** Still looking for a consent platform. */
const SEARCHING = new Set(['loading', 'initialized', 'waitingForInitResponse', 'started']);

interface ContextInfo {
  frameId: string;
  isDefault: boolean;
  name: string;
}

export class ConsentBanners {
  private readonly contexts = new Map<number, ContextInfo>();
  private readonly reports = new Map<string, FrameReport>();
  /** Platforms autoconsent reported as handled, for logs and tests. */
  readonly handled: string[] = [];

  private constructor(
    private readonly cdp: CDPSession,
    private readonly mainFrameId: string,
  ) {}

  /** Sets up the isolated world, the binding and the script on a fresh page, before navigation. */
  static async install(page: Page): Promise<ConsentBanners> {
    const { script } = loadAssets();
    const cdp = await page.createCDPSession();
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const banners = new ConsentBanners(cdp, frameTree.frame.id);
    banners.listen();
    await cdp.send('Runtime.enable');
    await cdp.send('Runtime.addBinding', { name: BINDING, executionContextName: WORLD });
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: script, worldName: WORLD });
    return banners;
  }

  private listen(): void {
    this.cdp.on('Runtime.executionContextCreated', ({ context }) => {
      const aux = (context.auxData ?? {}) as { frameId?: string; isDefault?: boolean };
      if (aux.frameId) {
        this.contexts.set(context.id, {
          frameId: aux.frameId,
          isDefault: !!aux.isDefault,
          name: context.name,
        });
      }
    });
    this.cdp.on('Runtime.executionContextDestroyed', ({ executionContextId }) => {
      this.contexts.delete(executionContextId);
      for (const [id, report] of this.reports)
        if (report.contextId === executionContextId) this.reports.delete(id);
    });
    this.cdp.on('Runtime.executionContextsCleared', () => {
      this.contexts.clear();
      this.reports.clear();
    });
    this.cdp.on('Runtime.bindingCalled', (event: Protocol.Runtime.BindingCalledEvent) => {
      if (event.name !== BINDING) return;
      void this.onMessage(event.executionContextId, event.payload).catch(() => undefined);
    });
  }

  /**
   * Waits until autoconsent has dealt with the banner of the page: done, or
   * failed, or nothing found on its first rounds of looking. Bounded by
   * `timeoutMs` and CONSENT_SETTLE_MAX_MS; a banner still there then stays.
   * Content set with html_content never ran the script: it is injected now.
   */
  async settle(timeoutMs: number): Promise<void> {
    const until = Date.now() + Math.min(timeoutMs, CONSENT_SETTLE_MAX_MS);
    if (![...this.reports.values()].some((r) => r.mainFrame)) await this.injectIntoMainFrame();
    while (Date.now() < until && !this.settled()) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private settled(): boolean {
    const reports = [...this.reports.values()];
    const main = reports.filter((r) => r.mainFrame);
    if (main.length === 0) return false;
    const busy = (r: FrameReport) =>
      BUSY.has(r.lifecycle) && (r.lifecycle !== 'cmpDetected' || Date.now() - r.since < POPUP_SEARCH_MS);
    if (reports.some(busy)) return false;
    // a banner that a script adds at load shows up within the first two rounds of detection
    return !main.some((r) => SEARCHING.has(r.lifecycle) && r.findCmpAttempts < 2);
  }

  private async injectIntoMainFrame(): Promise<void> {
    try {
      const { executionContextId } = await this.cdp.send('Page.createIsolatedWorld', {
        frameId: this.mainFrameId,
        worldName: WORLD,
      });
      await this.cdp.send('Runtime.evaluate', {
        expression: loadAssets().script,
        contextId: executionContextId,
      });
    } catch {
      // the frame went away; nothing to handle
    }
  }

  private async onMessage(contextId: number, payload: string): Promise<void> {
    const message = JSON.parse(payload) as { type: string; [key: string]: any };
    const context = this.contexts.get(contextId);
    switch (message.type) {
      case 'init': {
        const mainFrame = context?.frameId === this.mainFrameId;
        const rules = filterCompactRules(loadAssets().compactRules, { url: String(message.url), mainFrame });
        await this.reply(contextId, {
          type: 'initResp',
          config: AUTOCONSENT_CONFIG,
          rules: { autoconsent: [], compact: rules },
        });
        return;
      }
      case 'eval': {
        const result = await this.evalInMainWorld(context?.frameId, String(message.code));
        await this.reply(contextId, { type: 'evalResp', id: message.id, result });
        return;
      }
      case 'report': {
        const id = String(message.instanceId);
        const lifecycle = String(message.state?.lifecycle);
        const previous = this.reports.get(id);
        this.reports.set(id, {
          contextId,
          mainFrame: !!message.mainFrame,
          lifecycle,
          findCmpAttempts: Number(message.state?.findCmpAttempts) || 0,
          since: previous?.lifecycle === lifecycle ? previous.since : Date.now(),
        });
        return;
      }
      case 'autoconsentDone':
        this.handled.push(String(message.cmp));
        return;
    }
  }

  /** Rule snippets run in the page's own world of the same frame; their answer is a boolean. */
  private async evalInMainWorld(frameId: string | undefined, code: string): Promise<boolean> {
    const main = [...this.contexts].find(([, c]) => c.frameId === frameId && c.isDefault)?.[0];
    if (main === undefined) return false;
    const { result, exceptionDetails } = await this.cdp.send('Runtime.evaluate', {
      expression: code,
      contextId: main,
      returnByValue: true,
      awaitPromise: true,
      silent: true,
    });
    return !exceptionDetails && !!result.value;
  }

  private async reply(contextId: number, message: object): Promise<void> {
    await this.cdp.send('Runtime.evaluate', {
      expression: `window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(${JSON.stringify(message)})`,
      contextId,
    });
  }
}
