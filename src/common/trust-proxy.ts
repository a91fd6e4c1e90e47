import { isIP } from 'node:net';
import { ConfigError } from '../config/app-config';
import { toList } from './text-values';

/** Names Express understands for whole address ranges. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** "10.0.0.0/8", "fd00::/8": a strict address (no "10.1" short forms) and a prefix that fits it. */
function isCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (rest.length || version === 0 || !/^\d{1,3}$/.test(bits ?? '')) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
}

/** What Express's 'trust proxy' setting gets: nothing, a hop count, or the proxies' addresses. */
export type TrustProxySetting = false | number | string[];

/**
 * TRUST_PROXY as Express's 'trust proxy' setting, which decides req.ip (the
 * key of per-client rate limits and the address in logs):
 * - unset: trust no proxy; req.ip is the peer address and X-Forwarded-For
 *   is ignored, so a client cannot pick a fresh identity by sending one;
 * - a number N: trust N proxy hops in front of the service (e.g. 1 for one
 *   ingress or load balancer);
 * - a comma list of addresses, CIDRs or loopback/linklocal/uniquelocal:
 *   trust X-Forwarded-For only when it comes from those proxies.
 * "true" (trust any hop) is refused: it would let every client choose its address.
 */
export function trustProxySetting(value: string | undefined): TrustProxySetting {
  const text = (value ?? '').trim();
  if (text === '' || text.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = toList(text);
  const bad = entries.filter((entry) => !NAMED_RANGES.includes(entry) && isIP(entry) === 0 && !isCidr(entry));
  if (bad.length || entries.length === 0) {
    throw new ConfigError([
      `TRUST_PROXY=${JSON.stringify(value)}: must be a hop count (e.g. 1) or a comma list of proxy addresses, CIDRs or loopback/linklocal/uniquelocal; bad: ${bad.join(', ') || '(empty)'}`,
    ]);
  }
  return entries;
}
