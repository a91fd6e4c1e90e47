// Which hosts and addresses the browser may reach. Default: public unicast
// only (see ip-ranges.ts). NETWORK_ALLOW / NETWORK_DENY adjust it with entries
// that are a CIDR, a bare IP, a host, or host:port / ip:port / [v6]:port; deny
// wins over allow. Host entries match the requested name, IP and CIDR entries
// match the address the name resolved to.
import { lookup as dnsLookup } from 'node:dns/promises';
import * as ipaddr from 'ipaddr.js';
import { EgressDeniedError, EgressLookupError } from './egress.errors';
import { classifyAddress, embeddedIPv4, IpAddress } from './ip-ranges';

export interface NetworkPolicyOptions {
  allow: string[];
  deny: string[];
}

export interface PolicyDecision {
  allowed: boolean;
  reason: string;
}

export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a name to every address it has (like dns.lookup with all: true). */
export type EgressLookup = (hostname: string) => Promise<LookupAddress[]>;

/** A host as a browser reads it: an IPv4 or IPv6 literal (in canonical form) or a lower-case ASCII name. */
export type ParsedHost =
  | { kind: 'ipv4' | 'ipv6'; host: string; address: IpAddress }
  | { kind: 'name'; host: string; localhost: boolean };

export interface ResolvedTarget {
  /** The requested host, normalised (canonical IP literal without brackets, or lower-case name). */
  host: string;
  /** The first checked address: connect to this, never to the name. */
  address: string;
  family: 4 | 6;
  /** Every address the name resolved to, all of them checked and allowed, in resolver order. */
  addresses: Array<{ address: string; family: 4 | 6 }>;
  /** Why the first address is allowed (public, or which NETWORK_ALLOW entry). */
  reason: string;
}

// Characters that would end or escape a host in a URL, and control characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_HOST = /[\s/?#@\\:[\]\x00-\x1f\x7f]/;
const HOST_ENTRY = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

function invalidHost(input: string): Error {
  return new Error(`invalid host ${JSON.stringify(input)}`);
}

/**
 * Parses a host the way a browser's URL parser does (WHATWG host parsing, the
 * same algorithm Chrome uses): `2130706433`, `0x7f000001`, `0177.0.0.1`,
 * `127.1` and `%31%32%37.0.0.1` all become `127.0.0.1`; `[::FFFF:127.0.0.1]`
 * becomes `::ffff:7f00:1`; names are lower-cased and IDNA-encoded. A bare IPv6
 * address without brackets is accepted too. Throws on anything a browser
 * would refuse.
 */
export function parseHost(input: string): ParsedHost {
  let inner = input;
  const bracketed = inner.startsWith('[') && inner.endsWith(']');
  if (bracketed) inner = inner.slice(1, -1);
  if (bracketed || inner.includes(':')) {
    // An IPv6 literal, bracketed or bare (as from a resolver). Canonicalised by
    // the URL parser, not by ipaddr.js, which reads ::a.b.c.d as IPv4-mapped.
    if (!/^[0-9a-f:.]+$/i.test(inner)) throw invalidHost(input);
    let hostname: string;
    try {
      hostname = new URL(`http://[${inner}]/`).hostname;
    } catch {
      throw invalidHost(input);
    }
    const host = hostname.slice(1, -1);
    return { kind: 'ipv6', host, address: ipaddr.IPv6.parse(host) };
  }
  if (inner === '' || FORBIDDEN_IN_HOST.test(inner)) throw invalidHost(input);
  let hostname: string;
  try {
    hostname = new URL(`http://${inner}/`).hostname;
  } catch {
    throw invalidHost(input);
  }
  if (hostname === '') throw invalidHost(input);
  if (ipaddr.IPv4.isValidFourPartDecimal(hostname)) {
    return { kind: 'ipv4', host: hostname, address: ipaddr.IPv4.parse(hostname) };
  }
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === '') throw invalidHost(input);
  return { kind: 'name', host: name, localhost: name === 'localhost' || name.endsWith('.localhost') };
}

/**
 * The host and port of a URL as a browser would connect to them, for a
 * pre-check of a main URL. Only http(s) and ws(s) have a network target here.
 */
export function parseUrlHost(url: string): { protocol: string; host: ParsedHost; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`invalid URL ${JSON.stringify(url)}`);
  }
  const defaults: Record<string, number> = { 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 };
  const defaultPort = defaults[parsed.protocol];
  if (defaultPort === undefined) throw new Error(`scheme ${parsed.protocol} has no network target`);
  return {
    protocol: parsed.protocol,
    host: parseHost(parsed.hostname),
    port: parsed.port === '' ? defaultPort : Number(parsed.port),
  };
}

/** An address string (any spelling, IPv6 possibly with a zone) as an ipaddr.js object, or null. */
export function parseAddress(address: string): IpAddress | null {
  const [bare, zone, ...rest] = address.split('%');
  if (rest.length > 0) return null;
  let parsed: ParsedHost;
  try {
    parsed = parseHost(bare);
  } catch {
    return null;
  }
  if (parsed.kind === 'name') return null;
  if (zone === undefined) return parsed.address;
  if (parsed.kind !== 'ipv6' || !/^[0-9a-z]+$/i.test(zone)) return null;
  return ipaddr.IPv6.parse(`${parsed.host}%${zone}`);
}

type Entry =
  | { text: string; kind: 'cidr'; range: [IpAddress, number]; port?: number }
  | { text: string; kind: 'host'; host: string; port?: number };

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new Error(`port ${JSON.stringify(text)} is not a number from 1 to 65535`);
  }
  return Number(text);
}

/** Dotted-decimal IPv4 or IPv6 (no zone), as written in a config entry. */
function strictIp(text: string): IpAddress | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':')) return null;
  try {
    const parsed = parseHost(text);
    return parsed.kind === 'ipv6' ? parsed.address : null;
  } catch {
    return null;
  }
}

function fullRange(address: IpAddress): [IpAddress, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

function parseEntry(text: string): Entry {
  const t = text.trim();
  if (t === '') throw new Error('empty entry');
  if (t.includes('/')) {
    const [addressPart, bits, ...rest] = t.split('/');
    const address = strictIp(addressPart);
    const max = address?.kind() === 'ipv4' ? 32 : 128;
    if (!address || rest.length > 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      throw new Error('not a CIDR (use e.g. 10.0.0.0/8 or fd00::/8; a CIDR takes no port)');
    }
    return { text: t, kind: 'cidr', range: [address, Number(bits)] };
  }
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(t);
  if (bracketed) {
    const address = strictIp(bracketed[1]);
    if (!address || address.kind() !== 'ipv6') throw new Error('not an IPv6 address in brackets');
    return {
      text: t,
      kind: 'cidr',
      range: fullRange(address),
      port: bracketed[2] === undefined ? undefined : parsePort(bracketed[2]),
    };
  }
  const colons = t.split(':').length - 1;
  if (colons >= 2) {
    const address = strictIp(t);
    if (!address) throw new Error('not an IPv6 address (write [v6]:port to give a port)');
    return { text: t, kind: 'cidr', range: fullRange(address) };
  }
  const [hostPart, portPart] = colons === 1 ? t.split(':') : [t, undefined];
  const port = portPart === undefined ? undefined : parsePort(portPart);
  const address = strictIp(hostPart);
  if (address) return { text: t, kind: 'cidr', range: fullRange(address), port };
  let parsed: ParsedHost;
  try {
    parsed = parseHost(hostPart);
  } catch {
    throw new Error('not a CIDR, IP address, host or host:port');
  }
  if (parsed.kind !== 'name') {
    throw new Error(`write IP addresses in dotted decimal (a browser reads this one as ${parsed.host})`);
  }
  if (!HOST_ENTRY.test(parsed.host)) throw new Error('not a valid host name');
  return { text: t, kind: 'host', host: parsed.host, port };
}

function inRange(address: IpAddress, [base, bits]: [IpAddress, number]): boolean {
  return address.kind() === base.kind() && address.match(base, bits);
}

export class NetworkPolicy {
  private readonly allow: Entry[];
  private readonly deny: Entry[];

  /** Throws one Error naming every bad entry. */
  constructor(options: NetworkPolicyOptions) {
    const problems = NetworkPolicy.validate(options);
    if (problems.length > 0) throw new Error(`Invalid network policy: ${problems.join('; ')}`);
    this.allow = options.allow.map(parseEntry);
    this.deny = options.deny.map(parseEntry);
  }

  /** Every problem with the entries, one message each (empty when all are fine). */
  static validate(options: NetworkPolicyOptions): string[] {
    const problems: string[] = [];
    for (const [list, entries] of [
      ['NETWORK_ALLOW', options.allow],
      ['NETWORK_DENY', options.deny],
    ] as const) {
      for (const entry of entries) {
        try {
          parseEntry(entry);
        } catch (e) {
          problems.push(`${list} entry ${JSON.stringify(entry)}: ${(e as Error).message}`);
        }
      }
    }
    return problems;
  }

  /**
   * The decision that needs no address: a denial when a NETWORK_DENY host
   * entry names `host` (so a denied name is not even looked up), else null.
   */
  decideName(host: string, port: number): PolicyDecision | null {
    let hostname: string;
    try {
      hostname = parseHost(host).host;
    } catch {
      return { allowed: false, reason: `invalid host ${JSON.stringify(host)}` };
    }
    const denied = this.deny.find((e) => e.kind === 'host' && matches(e, hostname, [], port));
    return denied
      ? { allowed: false, reason: `denied by NETWORK_DENY entry ${JSON.stringify(denied.text)}` }
      : null;
  }

  /**
   * May the browser connect to `address`:`port`, reached by the name `host`?
   * `host` is what was requested (any spelling), `address` what it resolved to.
   */
  decide(host: string, address: string, port: number): PolicyDecision {
    let hostname: string;
    try {
      hostname = parseHost(host).host;
    } catch {
      return { allowed: false, reason: `invalid host ${JSON.stringify(host)}` };
    }
    const ip = parseAddress(address);
    if (!ip) return { allowed: false, reason: `${JSON.stringify(address)} is not an IP address` };
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return { allowed: false, reason: `invalid port ${port}` };
    }

    // A deny CIDR also catches the address hidden in a mapped/NAT64/6to4 form.
    const denyCandidates: IpAddress[] = [ip];
    if (ip.kind() === 'ipv6') denyCandidates.push(...embeddedIPv4(ip as ipaddr.IPv6).map((e) => e.ipv4));
    const denied = this.deny.find((e) => matches(e, hostname, denyCandidates, port));
    if (denied)
      return { allowed: false, reason: `denied by NETWORK_DENY entry ${JSON.stringify(denied.text)}` };

    // An allow CIDR matches the address itself, or the IPv4 of an IPv4-mapped one (same socket).
    const allowCandidates: IpAddress[] = [ip];
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
      allowCandidates.push((ip as ipaddr.IPv6).toIPv4Address());
    }
    const allowed = this.allow.find((e) => matches(e, hostname, allowCandidates, port));
    if (allowed)
      return { allowed: true, reason: `allowed by NETWORK_ALLOW entry ${JSON.stringify(allowed.text)}` };

    const verdict = classifyAddress(ip);
    return { allowed: verdict.public, reason: verdict.reason };
  }
}

function matches(entry: Entry, hostname: string, addresses: IpAddress[], port: number): boolean {
  if (entry.port !== undefined && entry.port !== port) return false;
  if (entry.kind === 'host') return entry.host === hostname;
  return addresses.some((a) => inRange(a, entry.range));
}

const systemLookup: EgressLookup = (hostname) => dnsLookup(hostname, { all: true });

/**
 * Resolves `host` once and checks every address against the policy. A name
 * with any denied address is denied (mixed answers are how rebinding attacks
 * look). Returns the checked addresses: connect to those, never to the name.
 * `localhost` and `*.localhost` are loopback without asking DNS, as in browsers.
 */
export async function resolveAndCheck(
  host: string,
  port: number,
  policy: NetworkPolicy,
  lookup: EgressLookup = systemLookup,
): Promise<ResolvedTarget> {
  let parsed: ParsedHost;
  try {
    parsed = parseHost(host);
  } catch {
    throw new EgressDeniedError(host, undefined, 'invalid host');
  }
  const byName = policy.decideName(parsed.host, port);
  if (byName) throw new EgressDeniedError(parsed.host, undefined, byName.reason);
  let candidates: LookupAddress[];
  if (parsed.kind !== 'name') {
    candidates = [{ address: parsed.host, family: parsed.kind === 'ipv4' ? 4 : 6 }];
  } else if (parsed.localhost) {
    candidates = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
  } else {
    try {
      candidates = await lookup(parsed.host);
    } catch (e) {
      throw new EgressLookupError(parsed.host, (e as NodeJS.ErrnoException).code);
    }
    if (candidates.length === 0) throw new EgressLookupError(parsed.host, 'ENOTFOUND');
  }

  const addresses: ResolvedTarget['addresses'] = [];
  let reason = '';
  for (const candidate of candidates) {
    // Canonical form, so that connecting to it can never mean another lookup.
    const ip = parseAddress(candidate.address);
    if (!ip)
      throw new EgressDeniedError(parsed.host, candidate.address, 'resolved to something not an IP address');
    const address = ip.toString();
    const decision = policy.decide(parsed.host, address, port);
    if (!decision.allowed) throw new EgressDeniedError(parsed.host, address, decision.reason);
    addresses.push({ address, family: ip.kind() === 'ipv4' ? 4 : 6 });
    reason ||= decision.reason;
  }
  return { host: parsed.host, address: addresses[0].address, family: addresses[0].family, addresses, reason };
}
