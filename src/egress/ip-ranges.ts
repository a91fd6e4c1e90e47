// The built-in half of the network policy: is an IP address public unicast?
// ipaddr.js range() names the special-purpose blocks; on top of it we look
// inside the IPv6 forms that carry an IPv4 address (mapped, compatible,
// translated, NAT64, 6to4, Teredo), because a packet to one of those can end up
// at the embedded IPv4 address.
import * as ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export interface AddressVerdict {
  public: boolean;
  reason: string;
}

const IPV4_RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified (0.0.0.0/8)',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local (169.254.0.0/16, cloud metadata)',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private',
  reserved: 'reserved or documentation',
  as112: 'AS112 special-purpose',
  amt: 'AMT special-purpose',
};

const IPV6_RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified (::)',
  linkLocal: 'link-local (fe80::/10)',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local (fc00::/7)',
  deprecatedSiteLocal: 'site-local (fec0::/10)',
  discard: 'discard-only (100::/64)',
  benchmarking: 'benchmarking (2001:2::/48)',
  amt: 'AMT special-purpose',
  as112v6: 'AS112 special-purpose',
  deprecatedOrchid: 'ORCHID',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'DRIP special-purpose',
  segmentRouting: 'segment-routing (5f00::/16)',
  reserved: 'reserved or documentation',
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const NAT64_LOCAL_USE = ipaddr.parseCIDR('64:ff9b:1::/48');

function v4(bytes: number[]): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes);
}

/**
 * The IPv4 addresses an IPv6 address carries, with the name of the form.
 * Empty for ordinary IPv6 addresses.
 */
export function embeddedIPv4(address: ipaddr.IPv6): Array<{ form: string; ipv4: ipaddr.IPv4 }> {
  const b = address.toByteArray();
  const range = address.range();
  const last32 = (): ipaddr.IPv4 => v4(b.slice(12, 16));
  switch (range) {
    case 'ipv4Mapped':
      return [{ form: 'IPv4-mapped', ipv4: last32() }];
    case 'rfc6145':
      return [{ form: 'IPv4-translated', ipv4: last32() }];
    case '6to4':
      return [{ form: '6to4', ipv4: v4(b.slice(2, 6)) }];
    case 'teredo':
      return [
        { form: 'Teredo (server)', ipv4: v4(b.slice(4, 8)) },
        { form: 'Teredo (client)', ipv4: v4(b.slice(12, 16).map((x) => x ^ 0xff)) },
      ];
    case 'rfc6052':
      if (!address.match(NAT64_LOCAL_USE)) return [{ form: 'NAT64', ipv4: last32() }];
      // 64:ff9b:1::/48 is for local use with a network-specific prefix of
      // /48 to /96, so the IPv4 part may sit at any RFC 6052 position (bits
      // 64-71 are always skipped). Check every one.
      return [
        { form: 'NAT64 local-use', ipv4: v4([b[6], b[7], b[9], b[10]]) },
        { form: 'NAT64 local-use', ipv4: v4([b[7], b[9], b[10], b[11]]) },
        { form: 'NAT64 local-use', ipv4: v4(b.slice(9, 13)) },
        { form: 'NAT64 local-use', ipv4: last32() },
      ];
    case 'unspecified':
    case 'loopback':
      return [];
    default:
      // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291).
      if (b.slice(0, 12).every((x) => x === 0)) return [{ form: 'IPv4-compatible', ipv4: last32() }];
      return [];
  }
}

/**
 * Public unicast addresses that are a cloud's host services, reachable from
 * inside its VMs: Azure's WireServer (168.63.129.16: VM agent, extension
 * settings, DNS). Denied like the link-local metadata service.
 */
const CLOUD_HOST_SERVICES_V4: Array<[ipaddr.IPv4, number, string]> = [
  [ipaddr.IPv4.parse('168.63.129.16'), 32, 'Azure WireServer (cloud host service)'],
];

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  const hostService = CLOUD_HOST_SERVICES_V4.find(([base, bits]) => address.match(base, bits));
  if (hostService) return { public: false, reason: `${hostService[2]} address ${address.toString()}` };
  if (range === 'unicast') return { public: true, reason: `public address ${address.toString()}` };
  const name = IPV4_RANGE_NAMES[range] ?? range;
  return { public: false, reason: `${name} address ${address.toString()}` };
}

/** Public unicast or not, with a reason a log line can carry. */
export function classifyAddress(address: IpAddress): AddressVerdict {
  if (address.kind() === 'ipv4') return classifyV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  const text = v6.toString();

  const embedded = embeddedIPv4(v6);
  if (embedded.length > 0) {
    for (const { form, ipv4 } of embedded) {
      const verdict = classifyV4(ipv4);
      if (!verdict.public) return { public: false, reason: `${form} form (${text}) of ${verdict.reason}` };
    }
    return {
      public: true,
      reason: `${embedded[0].form} form (${text}) of public address ${embedded[0].ipv4.toString()}`,
    };
  }

  const range = v6.range();
  if (range !== 'unicast') {
    const name = IPV6_RANGE_NAMES[range] ?? range;
    return { public: false, reason: `${name} address ${text}` };
  }
  if (!v6.match(GLOBAL_UNICAST_V6)) {
    return { public: false, reason: `unassigned address ${text} (outside global unicast 2000::/3)` };
  }
  return { public: true, reason: `public address ${text}` };
}
