import { EgressLookup } from './network-policy';

/** Injection token of the egress options. */
export const EGRESS_OPTIONS = 'EGRESS_OPTIONS';

export interface EgressOptions {
  /** NETWORK_ALLOW entries: CIDR, IP, host, host:port, ip:port, [v6]:port. */
  allow: string[];
  /** NETWORK_DENY entries, same forms; deny wins over allow. */
  deny: string[];
  /** Name resolution for the proxy and checkUrl; dns.lookup by default. For tests. */
  lookup?: EgressLookup;
  /** Per address the proxy tries; default 10 s. */
  connectTimeoutMs?: number;
  /** A plain-http target silent this long is dropped; default 30 s. For tests. */
  upstreamIdleTimeoutMs?: number;
  /** A plain-http response body cut off beyond this; default 256 MiB. For tests. */
  maxResponseBytes?: number;
}
