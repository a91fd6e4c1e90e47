import { EgressDeniedError, EgressLookupError } from './egress.errors';
import { NetworkPolicy, parseHost, parseUrlHost, resolveAndCheck } from './network-policy';

const defaults = new NetworkPolicy({ allow: [], deny: [] });

describe('parseHost', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.0000.0000.0001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['%31%32%37.0.0.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['[::FFFF:7F00:1]', '::ffff:7f00:1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['::1', '::1'],
    ['[::127.0.0.1]', '::7f00:1'],
  ])('reads the IP literal %s as %s', (input, expected) => {
    const parsed = parseHost(input);
    expect(parsed.kind).not.toBe('name');
    expect(parsed.host).toBe(expected);
  });

  it.each([
    ['LOCALHOST', 'localhost', true],
    ['LocalHost.', 'localhost', true],
    ['api.localhost', 'api.localhost', true],
    ['Example.COM', 'example.com', false],
    ['BÜCHER.de', 'xn--bcher-kva.de', false],
  ])('reads the name %s as %s', (input, expected, localhost) => {
    expect(parseHost(input)).toEqual({ kind: 'name', host: expected, localhost });
  });

  it.each([
    '',
    '1.2.3.4.5',
    '4294967296',
    '0x7g.0.0.1',
    'exa mple.com',
    'a/b',
    'user@host',
    '[fe80::1%25eth0]',
    'a:b',
    '[::1]/@evil',
    '::1]:80',
  ])('refuses %j like a browser does', (input) => {
    expect(() => parseHost(input)).toThrow(/invalid host/);
  });
});

describe('parseUrlHost', () => {
  it('gives the host and the port a browser would connect to', () => {
    expect(parseUrlHost('http://0x7f000001/x')).toMatchObject({
      protocol: 'http:',
      port: 80,
      host: { host: '127.0.0.1' },
    });
    expect(parseUrlHost('HTTPS://Example.com./')).toMatchObject({ port: 443, host: { host: 'example.com' } });
    expect(parseUrlHost('ws://[::1]:8080/')).toMatchObject({
      port: 8080,
      host: { kind: 'ipv6', host: '::1' },
    });
  });

  it('refuses URLs without a network target', () => {
    expect(() => parseUrlHost('file:///etc/passwd')).toThrow(/scheme file:/);
    expect(() => parseUrlHost('not a url')).toThrow(/invalid URL/);
  });
});

describe('NetworkPolicy defaults', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local/],
    ['168.63.129.16', /Azure WireServer/],
    ['::ffff:168.63.129.16', /IPv4-mapped form .* of Azure WireServer/],
    ['64:ff9b::a83f:8110', /NAT64 form .* of Azure WireServer/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['192.0.0.1', /reserved/],
    ['192.0.2.1', /reserved or documentation/],
    ['198.51.100.1', /reserved or documentation/],
    ['203.0.113.1', /reserved or documentation/],
    ['198.18.0.1', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/],
    ['fc00::1', /unique-local/],
    ['fd12:3456::1', /unique-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['100::1', /discard/],
    ['::ffff:127.0.0.1', /IPv4-mapped form .* of loopback address 127\.0\.0\.1/],
    ['::ffff:7f00:1', /IPv4-mapped form .* of loopback/],
    ['::ffff:169.254.169.254', /IPv4-mapped form .* of link-local/],
    ['::ffff:10.0.0.1', /IPv4-mapped form .* of private/],
    ['::ffff:0:10.0.0.1', /IPv4-translated form .* of private/],
    ['::127.0.0.1', /IPv4-compatible form .* of loopback/],
    ['::a9fe:a9fe', /IPv4-compatible form .* of link-local/],
    ['::2', /IPv4-compatible form .* of unspecified/],
    ['2002:7f00:1::', /6to4 form .* of loopback/],
    ['2002:a9fe:a9fe:1::1', /6to4 form .* of link-local/],
    ['2002:c0a8:101::1', /6to4 form .* of private/],
    ['64:ff9b::127.0.0.1', /NAT64 form .* of loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 form .* of link-local/],
    ['64:ff9b:1:7f00:1::', /NAT64 local-use form .* of loopback/],
    ['64:ff9b:1::a00:1', /NAT64 local-use form/],
    ['2001:0:7f00:1::', /Teredo \(server\) form .* of loopback/],
    // Teredo stores the client address inverted: ~127.0.0.1 = 80ff:fffe.
    ['2001:0:808:808:0:0:80ff:fffe', /Teredo \(client\) form .* of loopback/],
    ['3fff::1', /documentation/],
    ['5f00::1', /segment-routing/],
    ['4000::1', /outside global unicast/],
  ])('denies %s', (address, reason) => {
    const decision = defaults.decide('example.com', address, 80);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '168.63.129.15',
    '168.63.129.17',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    // Teredo with public server 8.8.8.8 and public client 1.1.1.1 (inverted fefe:fefe).
    '2001:0:808:808:0:0:fefe:fefe',
  ])('allows the public address %s', (address) => {
    expect(defaults.decide('example.com', address, 443)).toEqual({
      allowed: true,
      reason: expect.any(String),
    });
  });

  it.each(['0x7f000001', '2130706433', '0177.0.0.1', '127.1'])(
    'reads an address spelled %s as loopback',
    (address) => {
      expect(defaults.decide('example.com', address, 80)).toEqual({
        allowed: false,
        reason: expect.stringMatching(/loopback/),
      });
    },
  );

  it('denies something that is not an address, a bad host and a bad port', () => {
    expect(defaults.decide('example.com', 'example.org', 80).allowed).toBe(false);
    expect(defaults.decide('exa mple.com', '8.8.8.8', 80).allowed).toBe(false);
    expect(defaults.decide('example.com', '8.8.8.8', 0).allowed).toBe(false);
    expect(defaults.decide('example.com', '8.8.8.8', 65536).allowed).toBe(false);
  });
});

describe('NetworkPolicy entries', () => {
  it('lets an ip:port allow entry through on that port only', () => {
    const policy = new NetworkPolicy({ allow: ['127.0.0.1:3000'], deny: [] });
    expect(policy.decide('127.0.0.1', '127.0.0.1', 3000)).toEqual({
      allowed: true,
      reason: 'allowed by NETWORK_ALLOW entry "127.0.0.1:3000"',
    });
    expect(policy.decide('127.0.0.1', '127.0.0.1', 3001).allowed).toBe(false);
    expect(policy.decide('127.0.0.1', '127.0.0.2', 3000).allowed).toBe(false);
    // The same socket, spelled as an IPv4-mapped address.
    expect(policy.decide('x.test', '::ffff:127.0.0.1', 3000).allowed).toBe(true);
    // ...but not a 6to4 or NAT64 form of it.
    expect(policy.decide('x.test', '2002:7f00:1::', 3000).allowed).toBe(false);
    expect(policy.decide('x.test', '64:ff9b::7f00:1', 3000).allowed).toBe(false);
  });

  it('matches CIDR and bare IP allow entries against the resolved address on any port', () => {
    const policy = new NetworkPolicy({
      allow: ['10.0.0.0/8', '::1/128', '192.168.1.5', 'fd00::1'],
      deny: [],
    });
    expect(policy.decide('intranet.test', '10.20.30.40', 8443).allowed).toBe(true);
    expect(policy.decide('[::1]', '::1', 1).allowed).toBe(true);
    expect(policy.decide('nas.test', '192.168.1.5', 80).allowed).toBe(true);
    expect(policy.decide('nas.test', '192.168.1.6', 80).allowed).toBe(false);
    expect(policy.decide('x.test', 'fd00::1', 80).allowed).toBe(true);
    expect(policy.decide('x.test', '11.0.0.1', 80).allowed).toBe(true);
    expect(policy.decide('x.test', '172.16.0.1', 80).allowed).toBe(false);
  });

  it('matches [v6]:port entries on their port', () => {
    const policy = new NetworkPolicy({ allow: ['[::1]:8080'], deny: [] });
    expect(policy.decide('[::1]', '::1', 8080).allowed).toBe(true);
    expect(policy.decide('[::1]', '::1', 8081).allowed).toBe(false);
  });

  it('matches host entries against the requested name, case-insensitively, whatever it resolved to', () => {
    const policy = new NetworkPolicy({ allow: ['Fixture.Test:8080', 'metrics.internal'], deny: [] });
    expect(policy.decide('FIXTURE.test', '127.0.0.1', 8080).allowed).toBe(true);
    expect(policy.decide('fixture.test.', '127.0.0.1', 8080).allowed).toBe(true);
    expect(policy.decide('fixture.test', '127.0.0.1', 8081).allowed).toBe(false);
    expect(policy.decide('other.test', '127.0.0.1', 8080).allowed).toBe(false);
    expect(policy.decide('metrics.internal', '10.1.1.1', 9100).allowed).toBe(true);
    // A host entry never matches an IP literal request.
    expect(policy.decide('127.0.0.1', '127.0.0.1', 8080).allowed).toBe(false);
  });

  it('lets deny win over allow', () => {
    const policy = new NetworkPolicy({
      allow: ['10.0.0.0/8', 'fixture.test', '127.0.0.1:3000'],
      deny: ['10.0.0.5', 'fixture.test:9999', '127.0.0.0/8'],
    });
    expect(policy.decide('x.test', '10.0.0.4', 80).allowed).toBe(true);
    expect(policy.decide('x.test', '10.0.0.5', 80)).toEqual({
      allowed: false,
      reason: 'denied by NETWORK_DENY entry "10.0.0.5"',
    });
    expect(policy.decide('fixture.test', '10.0.0.4', 9999).allowed).toBe(false);
    expect(policy.decide('fixture.test', '10.0.0.4', 9998).allowed).toBe(true);
    expect(policy.decide('127.0.0.1', '127.0.0.1', 3000).allowed).toBe(false);
  });

  it('denies public addresses and names on the deny list, including embedded IPv4 forms', () => {
    const policy = new NetworkPolicy({
      allow: [],
      deny: ['8.8.8.0/24', 'tracker.example:443', 'Bad.Example'],
    });
    expect(policy.decide('dns.google', '8.8.8.8', 53).allowed).toBe(false);
    expect(policy.decide('dns.google', '::ffff:8.8.8.8', 53).allowed).toBe(false);
    expect(policy.decide('dns.google', '64:ff9b::808:808', 53).allowed).toBe(false);
    expect(policy.decide('dns.google', '2002:808:808::1', 53).allowed).toBe(false);
    expect(policy.decide('tracker.example', '93.184.216.34', 443).allowed).toBe(false);
    expect(policy.decide('tracker.example', '93.184.216.34', 80).allowed).toBe(true);
    expect(policy.decide('bad.example', '93.184.216.34', 80).allowed).toBe(false);
  });

  it.each([
    ['', /empty entry/],
    ['   ', /empty entry/],
    ['10.0.0.0/33', /not a CIDR/],
    ['10.0.0.0/8:80', /not a CIDR/],
    ['10.0.0/8', /not a CIDR/],
    ['::1/129', /not a CIDR/],
    ['host:0', /port "0"/],
    ['host:65536', /port "65536"/],
    ['host:http', /port "http"/],
    ['127.0.0.1:', /port ""/],
    ['[::1]:99999', /port/],
    ['[127.0.0.1]:80', /not an IPv6 address in brackets/],
    ['fe80::1%eth0', /not an IPv6 address/],
    ['http://example.com', /not a CIDR/],
    ['exa mple.com', /not a CIDR, IP address, host/],
    ['*.example.com', /not a valid host name/],
    ['0x7f000001', /dotted decimal .* 127\.0\.0\.1/],
    ['127.1:3000', /dotted decimal .* 127\.0\.0\.1/],
  ])('refuses the entry %j with a message naming it', (entry, message) => {
    expect(() => new NetworkPolicy({ allow: [entry], deny: [] })).toThrow(
      new RegExp(`NETWORK_ALLOW entry ${JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    expect(NetworkPolicy.validate({ allow: [entry], deny: [] })[0]).toMatch(message);
  });

  it('lists every bad entry of both lists at once', () => {
    const problems = NetworkPolicy.validate({
      allow: ['ok.test', 'bad entry'],
      deny: ['10.0.0.0/99', '1.2.3.4'],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^NETWORK_ALLOW entry "bad entry": /),
      expect.stringMatching(/^NETWORK_DENY entry "10.0.0.0\/99": /),
    ]);
    expect(() => new NetworkPolicy({ allow: ['bad entry'], deny: ['10.0.0.0/99'] })).toThrow(
      /NETWORK_ALLOW entry "bad entry".*NETWORK_DENY entry "10.0.0.0\/99"/,
    );
  });
});

describe('resolveAndCheck', () => {
  const lookupOf = (table: Record<string, string[]>) => {
    const calls: string[] = [];
    const lookup = async (host: string) => {
      calls.push(host);
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return { lookup, calls };
  };

  it('returns the checked addresses of a public name, in resolver order', async () => {
    const { lookup } = lookupOf({ 'public.test': ['2606:4700::1', '93.184.216.34'] });
    await expect(resolveAndCheck('PUBLIC.test', 443, defaults, lookup)).resolves.toEqual({
      host: 'public.test',
      address: '2606:4700::1',
      family: 6,
      addresses: [
        { address: '2606:4700::1', family: 6 },
        { address: '93.184.216.34', family: 4 },
      ],
      reason: 'public address 2606:4700::1',
    });
  });

  it.each(['0x7f000001', '2130706433', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::1]', '0'])(
    'denies the literal %s without asking DNS',
    async (host) => {
      const { lookup, calls } = lookupOf({});
      await expect(resolveAndCheck(host, 80, defaults, lookup)).rejects.toBeInstanceOf(EgressDeniedError);
      expect(calls).toEqual([]);
    },
  );

  it('treats localhost and *.localhost as loopback without asking DNS', async () => {
    const { lookup, calls } = lookupOf({ localhost: ['93.184.216.34'], 'a.localhost': ['93.184.216.34'] });
    await expect(resolveAndCheck('LOCALHOST', 80, defaults, lookup)).rejects.toMatchObject({
      name: 'EgressDeniedError',
      host: 'localhost',
      address: '127.0.0.1',
    });
    await expect(resolveAndCheck('a.localhost', 80, defaults, lookup)).rejects.toBeInstanceOf(
      EgressDeniedError,
    );
    expect(calls).toEqual([]);
  });

  it('denies a name when any of its addresses is denied', async () => {
    const { lookup } = lookupOf({ 'rebind.test': ['93.184.216.34', '127.0.0.1'] });
    await expect(resolveAndCheck('rebind.test', 80, defaults, lookup)).rejects.toMatchObject({
      host: 'rebind.test',
      address: '127.0.0.1',
      reason: expect.stringMatching(/loopback/),
    });
  });

  it('canonicalises what the resolver returns, so connecting never resolves again', async () => {
    const policy = new NetworkPolicy({ allow: ['127.0.0.1:8080'], deny: [] });
    const lookup = async () => [{ address: '0x7f000001', family: 4 }];
    await expect(resolveAndCheck('odd.test', 8080, policy, lookup)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    const liar = async () => [{ address: 'evil.test', family: 4 }];
    await expect(resolveAndCheck('odd.test', 8080, policy, liar)).rejects.toBeInstanceOf(EgressDeniedError);
  });

  it('reports a failed lookup as EgressLookupError, not as a denial', async () => {
    const { lookup } = lookupOf({ 'empty.test': [] });
    await expect(resolveAndCheck('nx.test', 80, defaults, lookup)).rejects.toMatchObject({
      name: 'EgressLookupError',
      host: 'nx.test',
      code: 'ENOTFOUND',
    });
    await expect(resolveAndCheck('empty.test', 80, defaults, lookup)).rejects.toBeInstanceOf(
      EgressLookupError,
    );
  });

  it('denies a name on the deny list without looking it up', async () => {
    const policy = new NetworkPolicy({ allow: [], deny: ['Tracker.Example', 'admin.example:8443'] });
    const { lookup, calls } = lookupOf({
      'tracker.example': ['93.184.216.34'],
      'admin.example': ['93.184.216.34'],
    });
    await expect(resolveAndCheck('tracker.example', 443, policy, lookup)).rejects.toMatchObject({
      name: 'EgressDeniedError',
      address: undefined,
      reason: 'denied by NETWORK_DENY entry "Tracker.Example"',
    });
    await expect(resolveAndCheck('admin.example', 8443, policy, lookup)).rejects.toBeInstanceOf(
      EgressDeniedError,
    );
    expect(calls).toEqual([]);
    await expect(resolveAndCheck('admin.example', 443, policy, lookup)).resolves.toMatchObject({
      address: '93.184.216.34',
    });
  });

  it('denies an invalid host', async () => {
    await expect(resolveAndCheck('exa mple.com', 80, defaults, lookupOf({}).lookup)).rejects.toMatchObject({
      name: 'EgressDeniedError',
      reason: 'invalid host',
    });
  });
});
