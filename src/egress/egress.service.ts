import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { chromeProxyArgs, PROXY_BYPASS_RULES } from './chrome-proxy-args';
import { EGRESS_OPTIONS, EgressOptions } from './egress.constants';
import { EgressDeniedError } from './egress.errors';
import { EgressFailure, RouteFilter } from './egress-failure-log';
import { EgressDecisionEvent } from './egress-proxy';
import { EgressProxySupervisor } from './egress-proxy.supervisor';
import { NetworkPolicy, parseUrlHost, resolveAndCheck } from './network-policy';

/** A proxy route for one browser context (see openRoute). */
export interface EgressContextRoute {
  id: string;
  proxyServer: string;
  proxyBypassList: string[];
  close(): void;
}

/**
 * The network policy and the proxy that enforces it for the browsers. The
 * proxy runs in a child process of its own (EgressProxySupervisor), restarted
 * if it dies. Browsers are launched with chromeArgs(), and each capture's
 * context gets a route of its own (openRoute) so that the proxy's refusals
 * are recorded per capture; the capture path may call checkUrl() first to
 * fail fast, and wasDenied() to tell a policy refusal from a network error
 * when Chrome reports only net::ERR_TUNNEL_CONNECTION_FAILED.
 */
@Injectable()
export class EgressService implements OnModuleInit, OnApplicationShutdown {
  /** Main URLs refused by checkUrl before any browser connection. */
  private denied = 0;
  private readonly logger = new Logger(EgressService.name);
  readonly policy: NetworkPolicy;
  private readonly proxy: EgressProxySupervisor;

  constructor(@Inject(EGRESS_OPTIONS) private readonly options: EgressOptions) {
    // Built here too (the child builds its own): a bad entry stops the app at boot, naming it.
    this.policy = new NetworkPolicy({ allow: options.allow, deny: options.deny });
    this.proxy = new EgressProxySupervisor({
      ...options,
      onDecision: (event) => this.logDecision(event),
      onRestart: ({ code, signal, interruptedRoutes }) =>
        this.logger.error(
          `Egress proxy process exited (${signal ?? `code ${code}`}); restarting it on the same addresses. ` +
            `${interruptedRoutes} capture(s) with connections through it fail with 502`,
        ),
      onFault: (message) => this.logger.warn(`Egress proxy closed a connection after an error: ${message}`),
    });
  }

  private starting?: Promise<void>;

  async onModuleInit(): Promise<void> {
    await this.start();
  }

  /**
   * Starts the proxy; idempotent. onModuleInit calls it, but a provider that
   * needs chromeArgs() while it is built (before any init hook runs) can
   * await it first: `useFactory: async (egress) => (await egress.start(), egress.chromeArgs())`.
   */
  start(): Promise<void> {
    this.starting ??= this.proxy
      .start()
      .then(() => this.logger.log(`Egress proxy (pid ${this.proxy.pid}) listening on ${this.proxy.url}`));
    return this.starting;
  }

  /** The last shutdown phase, so browsers closed in onModuleDestroy/beforeApplicationShutdown go first. */
  async onApplicationShutdown(): Promise<void> {
    await this.proxy.stop();
  }

  /** `http://127.0.0.1:PORT`; only once started (throws before). */
  get proxyUrl(): string {
    return this.proxy.url;
  }

  /** The proxy process's PID (undefined while it restarts). */
  get proxyPid(): number | undefined {
    return this.proxy.pid;
  }

  /** The proxy process is up and taking connections (while it restarts, they wait for it). */
  get proxyReady(): boolean {
    return this.proxy.ready;
  }

  /** Times the proxy process died and was restarted (a metric). */
  get proxyRestarts(): number {
    return this.proxy.restarts;
  }

  /** Chrome flags that route all of a browser's traffic through the proxy. */
  chromeArgs(): string[] {
    return chromeProxyArgs(this.proxyUrl);
  }

  /**
   * A proxy address for one browser context (Puppeteer's createBrowserContext
   * proxyServer/proxyBypassList): every connection of that context is
   * recorded under the route's id, so a capture asks about its own refusals
   * only. close() it with the context.
   */
  async openRoute(): Promise<EgressContextRoute> {
    const route = await this.proxy.openRoute();
    return { id: route.id, proxyServer: route.url, proxyBypassList: PROXY_BYPASS_RULES, close: route.close };
  }

  /** Whether the proxy process died while it carried connections of this route. */
  wasInterrupted(route: string): boolean {
    return this.proxy.wasInterrupted(route);
  }

  /**
   * Did the proxy refuse `host` (any spelling), on `port` if given, at or after
   * `since` (a Date.now() value)? With `of`, only that route's refusals count.
   */
  wasDenied(host: string, since: number, port?: number, of?: RouteFilter): boolean {
    return this.proxy.failures.wasDenied(host, since, port, of);
  }

  /** Everything the proxy refused at or after `since` (recent and bounded), of one route if `of` is given. */
  recentDenials(since: number, of?: RouteFilter): EgressFailure[] {
    return this.recentFailures(since, of).filter((f) => f.outcome === 'denied');
  }

  /** Denials, DNS failures and connect failures at or after `since`. */
  recentFailures(since: number, of?: RouteFilter): EgressFailure[] {
    return this.proxy.failures.recent(since, of);
  }

  /**
   * Pre-check of a main URL: resolves its host and applies the policy.
   * Throws EgressDeniedError (also for a URL with no network target, such as
   * file:) or EgressLookupError. The proxy decides again for every request;
   * this only fails fast.
   */
  async checkUrl(url: string): Promise<void> {
    let target: ReturnType<typeof parseUrlHost>;
    try {
      target = parseUrlHost(url);
    } catch (e) {
      this.denied++;
      throw new EgressDeniedError(url, undefined, (e as Error).message);
    }
    try {
      await resolveAndCheck(target.host.host, target.port, this.policy, this.options.lookup);
    } catch (e) {
      if (e instanceof EgressDeniedError) this.denied++;
      throw e;
    }
  }

  /** Targets the policy refused since start, in the proxy or in the main-URL pre-check (a metric). */
  get deniedCount(): number {
    return this.proxy.failures.deniedTotal + this.denied;
  }

  private logDecision(event: EgressDecisionEvent): void {
    const where = `${event.kind} ${event.host}:${event.port}${event.address ? ` (${event.address})` : ''}`;
    if (event.allowed) this.logger.debug(`Egress allowed: ${where}`);
    else this.logger.log(`Egress refused: ${where}: ${event.reason}`);
  }
}
