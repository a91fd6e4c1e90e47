// The proxy's recent refusals and failures, bounded by size and age. Kept by
// whoever must answer "was this refused?": the in-process EgressProxy, and
// the API side of a proxy that runs in a child process (the record outlives
// the child, so a restart loses nothing).
import { parseHost } from './network-policy';

export type EgressRequestKind = 'http' | 'upgrade' | 'connect';

export interface EgressFailure {
  /** Date.now() when it happened. */
  at: number;
  outcome: 'denied' | 'dns-error' | 'connect-error';
  kind: EgressRequestKind;
  /** The requested host, normalised (canonical IP literal or lower-case name). */
  host: string;
  port: number;
  address?: string;
  reason: string;
  /**
   * The capture (browser context) whose connection this was: the id of the
   * proxy route it came in on. Undefined for the browser-wide route.
   */
  route?: string;
}

/** Selects one route's records; `{ route: undefined }` selects the browser-wide route's. */
export interface RouteFilter {
  route: string | undefined;
}

export class EgressFailureLog {
  private readonly failures: EgressFailure[] = [];
  /** Refusals since start (DNS and connect failures are not refusals); not bounded like the log. */
  private denied = 0;

  constructor(
    private readonly size = 1000,
    private readonly ttlMs = 60_000,
  ) {}

  add(failure: EgressFailure): void {
    if (failure.outcome === 'denied') this.denied++;
    this.failures.push(failure);
    this.prune();
  }

  get deniedTotal(): number {
    return this.denied;
  }

  /**
   * Did the policy refuse `host` (any spelling), on `port` if given, at or
   * after `since`? With `of`, only the refusals of that route count (a
   * capture's own; `{ route: undefined }` is the browser-wide route).
   */
  wasDenied(host: string, since: number, port?: number, of?: RouteFilter): boolean {
    let normalised: string;
    try {
      normalised = parseHost(host).host;
    } catch {
      normalised = host.toLowerCase();
    }
    return this.recent(since, of).some(
      (f) => f.outcome === 'denied' && f.host === normalised && (port === undefined || f.port === port),
    );
  }

  /** Failures at or after `since`, oldest first; of one route if `of` is given. */
  recent(since: number, of?: RouteFilter): EgressFailure[] {
    this.prune();
    return this.failures.filter((f) => f.at >= since && (!of || f.route === of.route));
  }

  private prune(): void {
    const oldest = Date.now() - this.ttlMs;
    while (this.failures.length > 0 && (this.failures.length > this.size || this.failures[0].at < oldest)) {
      this.failures.shift();
    }
  }
}
