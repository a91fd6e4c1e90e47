import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { chromeProxyArgs } from './chrome-proxy-args';
import { EGRESS_OPTIONS, EgressOptions } from './egress.constants';
import { EgressDeniedError } from './egress.errors';
import { EgressDecisionEvent, EgressFailure, EgressProxy } from './egress-proxy';
import { NetworkPolicy, parseUrlHost, resolveAndCheck } from './network-policy';

/**
 * The network policy and the proxy that enforces it for the browsers. Browsers
 * are launched with chromeArgs(); the capture path may call checkUrl() first
 * to fail fast, and wasDenied() to tell a policy refusal from a network error
 * when Chrome reports only net::ERR_TUNNEL_CONNECTION_FAILED.
 */
@Injectable()
export class EgressService implements OnModuleInit, OnApplicationShutdown {
  /** Main URLs refused by checkUrl before any browser connection. */
  private denied = 0;
  private readonly logger = new Logger(EgressService.name);
  readonly policy: NetworkPolicy;
  private readonly proxy: EgressProxy;

  constructor(@Inject(EGRESS_OPTIONS) private readonly options: EgressOptions) {
    this.policy = new NetworkPolicy({ allow: options.allow, deny: options.deny });
    this.proxy = new EgressProxy(this.policy, {
      lookup: options.lookup,
      connectTimeoutMs: options.connectTimeoutMs,
      onDecision: (event) => this.logDecision(event),
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
      .then(() => this.logger.log(`Egress proxy listening on ${this.proxy.url}`));
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

  /** Chrome flags that route all of a browser's traffic through the proxy. */
  chromeArgs(): string[] {
    return chromeProxyArgs(this.proxyUrl);
  }

  /** Did the proxy refuse `host` (any spelling), on `port` if given, at or after `since` (a Date.now() value)? */
  wasDenied(host: string, since: number, port?: number): boolean {
    return this.proxy.wasDenied(host, since, port);
  }

  /** Everything the proxy refused at or after `since` (recent and bounded). */
  recentDenials(since: number): EgressFailure[] {
    return this.proxy.recentDenials(since);
  }

  /** Denials, DNS failures and connect failures at or after `since`. */
  recentFailures(since: number): EgressFailure[] {
    return this.proxy.recentFailures(since);
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
    return this.proxy.deniedTotal + this.denied;
  }

  private logDecision(event: EgressDecisionEvent): void {
    const where = `${event.kind} ${event.host}:${event.port}${event.address ? ` (${event.address})` : ''}`;
    if (event.allowed) this.logger.debug(`Egress allowed: ${where}`);
    else this.logger.log(`Egress refused: ${where}: ${event.reason}`);
  }
}
