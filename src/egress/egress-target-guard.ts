import { Injectable } from '@nestjs/common';
import { BlockedTargetError, NavigationError } from '../common/errors';
import type { TargetGuard } from '../capture/capture.types';
import { EgressDeniedError, EgressLookupError } from './egress.errors';
import { EgressService } from './egress.service';
import { parseUrlHost } from './network-policy';

/**
 * The capture pipeline's view of the network policy: a fast pre-check of the
 * main URL, and whether the proxy refused something since a moment, both in
 * the API's errors. The proxy itself decides again for every connection.
 */
@Injectable()
export class EgressTargetGuard implements TargetGuard {
  constructor(private readonly egress: EgressService) {}

  async checkUrl(url: string): Promise<void> {
    try {
      await this.egress.checkUrl(url);
    } catch (err) {
      if (err instanceof EgressDeniedError) {
        // The reason can name an internal address: it goes to the log, not to the client.
        throw new BlockedTargetError(`${err.host} is not allowed by the network policy`);
      }
      if (err instanceof EgressLookupError) throw new NavigationError(`Could not resolve ${err.host}`);
      throw err;
    }
  }

  /**
   * By host and port: the policy decides on both, so a refused request to
   * another port of the same host says nothing about this URL. And by route:
   * another capture's refusal says nothing about this one.
   */
  wasDenied(route: string | undefined, url: string, sinceMs: number): boolean {
    let target: ReturnType<typeof parseUrlHost>;
    try {
      target = parseUrlHost(url);
    } catch {
      return false; // no network target (about:, data:, an error page's scheme)
    }
    return this.egress.wasDenied(target.host.host, sinceMs, target.port, { route });
  }

  deniedSince(route: string | undefined, sinceMs: number): boolean {
    return this.egress.recentDenials(sinceMs, { route }).length > 0;
  }

  wasInterrupted(route: string | undefined): boolean {
    return route !== undefined && this.egress.wasInterrupted(route);
  }
}
