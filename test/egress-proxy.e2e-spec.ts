// The egress proxy over real loopback sockets, driven by plain node clients:
// forward-proxy requests, CONNECT tunnels and WebSocket upgrades. A canary on
// a loopback port that is NOT allowed counts every connection it gets; a
// fixture on a port that IS allowed shows the proxy does let traffic through.
import * as http from 'node:http';
import * as net from 'node:net';
import WebSocket from 'ws';
import { EgressDecisionEvent, EgressProxy } from '../src/egress/egress-proxy';
import { EgressLookup, NetworkPolicy } from '../src/egress/network-policy';
import {
  Canary,
  closedPort,
  Fixture,
  sleep,
  startCanary,
  startFixture,
  waitFor,
} from './helpers/egress-servers';

interface ProxiedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function proxyPort(proxy: EgressProxy): number {
  return Number(new URL(proxy.url).port);
}

/** A forward-proxy request: the absolute URI goes on the request line exactly as given. */
function viaProxy(
  proxy: EgressProxy,
  uri: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ProxiedResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort(proxy),
      method: options.method ?? 'GET',
      path: uri,
      headers: { Host: uri.replace(/^http:\/\//, '').split('/')[0], ...options.headers },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

/** CONNECT authority through the proxy; resolves with the status and, on 200, the tunnel. */
function connectVia(
  proxy: EgressProxy,
  authority: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort(proxy),
      method: 'CONNECT',
      path: authority,
      agent: false,
    });
    req.on('error', reject);
    req.on('connect', (res: http.IncomingMessage, socket: net.Socket) => {
      socket.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket });
    });
    req.end();
  });
}

/** Speaks HTTP/1.1 over an open tunnel and returns the raw response text. */
function httpOverSocket(socket: net.Socket, path: string, host: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

/** Writes raw bytes to the proxy; returns what it answers until it closes (or, with `until`, until that matches). */
function rawExchange(proxy: EgressProxy, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(proxyPort(proxy), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (until?.test(answer)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.write(text);
  });
}

const notFound = (host: string): Error =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });

describe('EgressProxy (real sockets, loopback only)', () => {
  let canary: Canary;
  let rebindCanary: Canary;
  let fixture: Fixture;
  let proxy: EgressProxy;
  const decisions: EgressDecisionEvent[] = [];
  const lookupCalls: string[] = [];
  let rebindAnswers = 0;

  const lookup: EgressLookup = async (host) => {
    lookupCalls.push(host);
    switch (host) {
      case 'fixture.test':
        return [{ address: '127.0.0.1', family: 4 }];
      case 'mixed.test':
        // A public address first, then loopback, in one answer.
        return [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ];
      case 'rebind.test':
        // First answer: an address the policy allows (it stands in for a
        // public one, so no test touches the internet); every later answer:
        // a loopback address that is not allowed, where rebindCanary listens
        // on the same port.
        return rebindAnswers++ === 0
          ? [{ address: '127.0.0.1', family: 4 }]
          : [{ address: '127.0.0.2', family: 4 }];
      case 'slow.test':
        await sleep(300);
        return [{ address: '127.0.0.1', family: 4 }];
      default:
        throw notFound(host);
    }
  };

  beforeAll(async () => {
    fixture = await startFixture();
    canary = await startCanary(['127.0.0.1', '::1']);
    rebindCanary = await startCanary(['127.0.0.2'], fixture.port);
    proxy = new EgressProxy(new NetworkPolicy({ allow: [`127.0.0.1:${fixture.port}`], deny: [] }), {
      lookup,
      onDecision: (e) => decisions.push(e),
    });
    await proxy.start();
  });

  afterAll(async () => {
    await proxy.stop();
    await Promise.all([fixture.close(), canary.close(), rebindCanary.close()]);
  });

  afterEach(() => {
    // Every test: whatever it did, nothing reached a canary.
    expect({ canary: canary.connections(), rebind: rebindCanary.connections() }).toEqual({
      canary: 0,
      rebind: 0,
    });
  });

  it('listens on 127.0.0.1 on an ephemeral port', () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxyPort(proxy)).toBeGreaterThan(0);
  });

  describe('reaches the allowed fixture', () => {
    it('by plain forward-proxy request, by IP and by a name the lookup resolves', async () => {
      const byIp = await viaProxy(proxy, `http://127.0.0.1:${fixture.port}/hello?x=1`);
      expect(byIp).toMatchObject({ status: 200, body: 'fixture /hello?x=1' });
      const byName = await viaProxy(proxy, `http://fixture.test:${fixture.port}/named`);
      expect(byName).toMatchObject({ status: 200, body: 'fixture /named' });
      expect(fixture.requests.find((r) => r.path === '/named')?.headers.host).toBe(
        `fixture.test:${fixture.port}`,
      );
      expect(decisions).toContainEqual({
        kind: 'http',
        host: 'fixture.test',
        port: fixture.port,
        address: '127.0.0.1',
        allowed: true,
        reason: `allowed by NETWORK_ALLOW entry "127.0.0.1:${fixture.port}"`,
      });
    });

    it('by other spellings of the allowed address', async () => {
      for (const host of ['0x7f000001', '2130706433', '127.1', '0177.0.0.1']) {
        const res = await viaProxy(proxy, `http://${host}:${fixture.port}/spelled-${host}`);
        expect({ host, status: res.status }).toEqual({ host, status: 200 });
      }
    });

    it('through a CONNECT tunnel', async () => {
      const { status, socket } = await connectVia(proxy, `127.0.0.1:${fixture.port}`);
      expect(status).toBe(200);
      const answer = await httpOverSocket(socket, '/tunnelled', `127.0.0.1:${fixture.port}`);
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(answer).toContain('fixture /tunnelled');
    });

    it('with a WebSocket over a CONNECT tunnel', async () => {
      const { status, socket } = await connectVia(proxy, `fixture.test:${fixture.port}`);
      expect(status).toBe(200);
      const ws = new WebSocket(`ws://fixture.test:${fixture.port}/ws-tunnel`, {
        createConnection: () => socket,
      });
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data) => resolve(String(data)));
        ws.once('error', reject);
      });
      expect(first).toBe('fixture hello');
      ws.close();
      expect(fixture.paths()).toContain('ws:/ws-tunnel');
    });

    it('with a WebSocket upgrade on a plain forward-proxy request', async () => {
      const answer = await rawExchange(
        proxy,
        `GET http://127.0.0.1:${fixture.port}/ws-plain HTTP/1.1\r\n` +
          `Host: 127.0.0.1:${fixture.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          'Proxy-Authorization: Basic c2VjcmV0\r\n\r\n',
        /\r\n\r\n/,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
      expect(fixture.paths()).toContain('ws:/ws-plain');
      const seen = fixture.requests.find((r) => r.path === 'ws:/ws-plain');
      expect(seen?.headers['proxy-authorization']).toBeUndefined();
    }, 10000);
  });

  describe('denies the canary', () => {
    const spellings = [
      '127.0.0.1',
      '2130706433',
      '0x7f000001',
      '0X7F000001',
      '0177.0.0.1',
      '127.1',
      '127.0.1',
      '0x7f.1',
      '127.0.0.1.',
      '%31%32%37.0.0.1',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::1]',
      '[0:0:0:0:0:0:0:1]',
      '[::127.0.0.1]',
      'localhost',
      'LOCALHOST',
      'LocalHost.',
      'api.localhost',
      '0',
      '0.0.0.0',
      '[::]',
    ];

    it.each(spellings)('as %s on a plain request: 403 with x-pixashot-blocked', async (host) => {
      const res = await viaProxy(proxy, `http://${host}:${canary.port}/secret`);
      expect(res.status).toBe(403);
      expect(res.headers['x-pixashot-blocked']).toBe('1');
      expect(res.body).not.toContain('canary');
    });

    it.each(spellings)('as %s through CONNECT: 403 and the socket closed', async (host) => {
      const { status, headers, socket } = await connectVia(proxy, `${host}:${canary.port}`);
      expect(status).toBe(403);
      expect(headers['x-pixashot-blocked']).toBe('1');
      expect(await waitFor(() => socket.destroyed || socket.readableEnded, 2000)).toBe(true);
      socket.destroy();
    });

    it('as a WebSocket upgrade on a plain request', async () => {
      const answer = await rawExchange(
        proxy,
        `GET http://localhost:${canary.port}/ws HTTP/1.1\r\nHost: localhost:${canary.port}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      expect(answer.toLowerCase()).toContain('x-pixashot-blocked: 1');
    });

    it('when a name resolves to a public address and a loopback one, without connecting anywhere', async () => {
      const res = await viaProxy(proxy, `http://mixed.test:${canary.port}/`);
      expect(res.status).toBe(403);
      const tunnel = await connectVia(proxy, `mixed.test:${canary.port}`);
      expect(tunnel.status).toBe(403);
      tunnel.socket.destroy();
    });

    it('on localhost even at the fixture port, since localhost is also ::1 and only 127.0.0.1 is allowed', async () => {
      const res = await viaProxy(proxy, `http://localhost:${fixture.port}/via-localhost`);
      expect(res.status).toBe(403);
      expect(fixture.paths()).not.toContain('/via-localhost');
    });

    it('keeps a bounded record of recent denials by normalised host and port', async () => {
      await sleep(5); // so nothing an earlier test did shares the millisecond
      const since = Date.now();
      await viaProxy(proxy, `http://0x7f000001:${canary.port}/`);
      expect(proxy.wasDenied('127.0.0.1', since)).toBe(true);
      expect(proxy.wasDenied('2130706433', since)).toBe(true);
      expect(proxy.wasDenied('fixture.test', since)).toBe(false);
      expect(proxy.wasDenied('127.0.0.1', Date.now() + 1)).toBe(false);
      // by port too: the policy decides on host and port, so another port of the host was not refused
      expect(proxy.wasDenied('127.0.0.1', since, canary.port)).toBe(true);
      expect(proxy.wasDenied('127.0.0.1', since, fixture.port)).toBe(false);
      expect(proxy.recentDenials(since)).toEqual([
        expect.objectContaining({ outcome: 'denied', kind: 'http', host: '127.0.0.1', port: canary.port }),
      ]);
      expect(decisions).toContainEqual(
        expect.objectContaining({
          host: '127.0.0.1',
          port: canary.port,
          allowed: false,
          reason: expect.stringMatching(/loopback/),
        }),
      );
    });
  });

  describe('DNS rebinding', () => {
    it('resolves once per request and connects to the address it checked', async () => {
      lookupCalls.length = 0;
      const first = await viaProxy(proxy, `http://rebind.test:${fixture.port}/rebind-1`);
      // The check saw 127.0.0.1 (allowed); the connection went there, not to
      // a second answer (127.0.0.2, where the canary listens on the same port).
      expect(first).toMatchObject({ status: 200, body: 'fixture /rebind-1' });
      expect(lookupCalls).toEqual(['rebind.test']);

      const second = await viaProxy(proxy, `http://rebind.test:${fixture.port}/rebind-2`);
      expect(second.status).toBe(403);
      const tunnel = await connectVia(proxy, `rebind.test:${fixture.port}`);
      expect(tunnel.status).toBe(403);
      tunnel.socket.destroy();
      expect(lookupCalls).toEqual(['rebind.test', 'rebind.test', 'rebind.test']);
    });
  });

  describe('failures that are not denials', () => {
    it('answers 502 with x-pixashot-dns-error when the name does not resolve', async () => {
      await sleep(5); // so nothing an earlier test did shares the millisecond
      const since = Date.now();
      const res = await viaProxy(proxy, 'http://nx.test/');
      expect(res.status).toBe(502);
      expect(res.headers['x-pixashot-dns-error']).toBe('1');
      expect(res.headers['x-pixashot-blocked']).toBeUndefined();
      const tunnel = await connectVia(proxy, 'nx.test:443');
      expect(tunnel.status).toBe(502);
      expect(tunnel.headers['x-pixashot-dns-error']).toBe('1');
      tunnel.socket.destroy();
      expect(proxy.wasDenied('nx.test', since)).toBe(false);
      expect(proxy.recentFailures(since).map((f) => f.outcome)).toEqual(['dns-error', 'dns-error']);
    });

    it('answers 502 when the allowed target refuses the connection', async () => {
      const port = await closedPort();
      const local = new EgressProxy(new NetworkPolicy({ allow: [`127.0.0.1:${port}`], deny: [] }));
      await local.start();
      try {
        const res = await viaProxy(local, `http://127.0.0.1:${port}/`);
        expect(res.status).toBe(502);
        expect(res.headers['x-pixashot-blocked']).toBeUndefined();
        const tunnel = await connectVia(local, `127.0.0.1:${port}`);
        expect(tunnel.status).toBe(502);
        tunnel.socket.destroy();
        expect(local.recentFailures(0).map((f) => f.outcome)).toEqual(['connect-error', 'connect-error']);
      } finally {
        await local.stop();
      }
    });

    it('answers 400 to requests that are not proxy requests', async () => {
      expect(await rawExchange(proxy, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 400/,
      );
      expect(await rawExchange(proxy, 'CONNECT nonsense HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
      expect(await rawExchange(proxy, 'BLAH\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
      expect(
        await rawExchange(
          proxy,
          `GET http://u:p@127.0.0.1:${fixture.port}/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        ),
      ).toMatch(/^HTTP\/1\.1 400/);
    });

    it('refuses to proxy to itself even when loopback is allowed', async () => {
      const open = new EgressProxy(new NetworkPolicy({ allow: ['127.0.0.0/8'], deny: [] }));
      await open.start();
      try {
        const res = await viaProxy(open, `${open.url}/loop`);
        expect(res.status).toBe(403);
        expect(open.recentDenials(0)[0].reason).toBe('the egress proxy itself');
      } finally {
        await open.stop();
      }
    });
  });

  describe('forwarding', () => {
    it('strips hop-by-hop and Proxy-* headers both ways and keeps the rest', async () => {
      fixture.route('/headers', (_req, res) => {
        res.writeHead(
          200,
          [
            ['Content-Type', 'text/plain'],
            ['Connection', 'X-Resp-Hop'],
            ['X-Resp-Hop', 'gone'],
            ['Keep-Alive', 'timeout=99'],
            ['Proxy-Authenticate', 'Basic'],
            ['X-Resp-Keep', 'kept'],
            ['Set-Cookie', 'a=1'],
            ['Set-Cookie', 'b=2'],
          ].flat(),
        );
        res.end('ok');
      });
      const res = await viaProxy(proxy, `http://127.0.0.1:${fixture.port}/headers`, {
        headers: {
          'Proxy-Authorization': 'Basic c2VjcmV0',
          'Proxy-Connection': 'keep-alive',
          Connection: 'keep-alive, X-Hop',
          'X-Hop': 'gone',
          'Keep-Alive': '5',
          TE: 'trailers',
          'X-Keep': 'kept',
        },
      });
      expect(res.status).toBe(200);
      const seen = fixture.requests.find((r) => r.path === '/headers')!.headers;
      expect(seen['x-keep']).toBe('kept');
      for (const name of ['proxy-authorization', 'proxy-connection', 'x-hop', 'keep-alive', 'te']) {
        expect({ name, value: seen[name] }).toEqual({ name, value: undefined });
      }
      expect(res.headers['x-resp-keep']).toBe('kept');
      expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(res.headers['x-resp-hop']).toBeUndefined();
      expect(res.headers['proxy-authenticate']).toBeUndefined();
      expect(res.headers['keep-alive']).not.toBe('timeout=99');
    });

    it('streams the response instead of buffering it', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      fixture.route('/stream', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first\n');
        void released.then(() => res.end('last\n'));
      });
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: proxyPort(proxy),
          path: `http://127.0.0.1:${fixture.port}/stream`,
          agent: false,
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            // The fixture only finishes once the first line came through.
            if (text === 'first\n') release();
          });
          res.on('end', () => resolve(text));
        });
        req.end();
      });
      expect(body).toBe('first\nlast\n');
    });

    it('streams the request body instead of buffering it', async () => {
      let firstChunk!: (text: string) => void;
      const gotFirstChunk = new Promise<string>((resolve) => (firstChunk = resolve));
      fixture.route('/upload', (req, res) => {
        let total = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          if (total === '') firstChunk(chunk);
          total += chunk;
        });
        req.on('end', () => res.end(`got ${total.length} bytes`));
      });
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: proxyPort(proxy),
          method: 'POST',
          path: `http://127.0.0.1:${fixture.port}/upload`,
          agent: false,
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.write('part one;');
        // The second part is only sent once the fixture has the first.
        void gotFirstChunk.then(() => req.end('part two'));
      });
      expect(await gotFirstChunk).toBe('part one;');
      expect(await answer).toBe('got 17 bytes');
    });
  });

  describe('client and upstream failures', () => {
    it('tears the upstream request down when the client goes away mid-response', async () => {
      let upstreamClosed = false;
      fixture.route('/forever', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('started\n');
        res.on('close', () => (upstreamClosed = true));
      });
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port: proxyPort(proxy),
          path: `http://127.0.0.1:${fixture.port}/forever`,
          agent: false,
        });
        req.on('error', () => undefined);
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.end();
      });
      expect(await waitFor(() => upstreamClosed, 3000)).toBe(true);
    });

    it('survives a reset client on a tunnel and on a plain request', async () => {
      const { socket } = await connectVia(proxy, `127.0.0.1:${fixture.port}`);
      socket.write('GET /half');
      socket.resetAndDestroy();

      const plain = net.connect(proxyPort(proxy), '127.0.0.1');
      plain.on('error', () => undefined);
      await new Promise<void>((resolve) => plain.once('connect', () => resolve()));
      plain.write(
        `POST http://127.0.0.1:${fixture.port}/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc`,
      );
      await sleep(50);
      plain.resetAndDestroy();

      await sleep(100);
      expect((await viaProxy(proxy, `http://127.0.0.1:${fixture.port}/still-alive`)).status).toBe(200);
    });

    it('survives an upstream that resets mid-response', async () => {
      fixture.route('/reset', (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '1000' });
        res.write('partial');
        setTimeout(() => (req.socket as net.Socket).resetAndDestroy(), 20);
      });
      await expect(viaProxy(proxy, `http://127.0.0.1:${fixture.port}/reset`)).rejects.toThrow();
      const { status, socket } = await connectVia(proxy, `127.0.0.1:${fixture.port}`);
      expect(status).toBe(200);
      const answer = await httpOverSocket(socket, '/reset', 'x');
      expect(answer).toContain('partial');
      expect((await viaProxy(proxy, `http://127.0.0.1:${fixture.port}/still-alive-2`)).status).toBe(200);
    });

    it('does not connect for a client that left during the lookup', async () => {
      const socket = net.connect(proxyPort(proxy), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET http://slow.test:${fixture.port}/left-early HTTP/1.1\r\nHost: slow.test\r\n\r\n`);
      await sleep(20);
      socket.destroy();
      await sleep(500);
      expect(fixture.paths()).not.toContain('/left-early');
      expect((await viaProxy(proxy, `http://127.0.0.1:${fixture.port}/still-alive-3`)).status).toBe(200);
    });
  });

  describe('stop()', () => {
    it('closes the server and destroys open tunnels and idle connections', async () => {
      const local = new EgressProxy(new NetworkPolicy({ allow: [`127.0.0.1:${fixture.port}`], deny: [] }));
      await local.start();
      const { status, socket: tunnel } = await connectVia(local, `127.0.0.1:${fixture.port}`);
      expect(status).toBe(200);
      const idle = net.connect(proxyPort(local), '127.0.0.1');
      idle.on('error', () => undefined);
      await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
      const url = local.url;

      const started = Date.now();
      await local.stop();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await waitFor(() => tunnel.destroyed || tunnel.readableEnded, 1000)).toBe(true);
      expect(await waitFor(() => idle.destroyed || idle.readableEnded, 1000)).toBe(true);
      // Nothing listens there any more.
      const probe = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(probe).toBe('ECONNREFUSED');
      expect(() => local.url).toThrow(/not started/);
      // Stopping twice is harmless.
      await local.stop();
    });
  });

  it('keeps its failure record bounded', async () => {
    const local = new EgressProxy(new NetworkPolicy({ allow: [], deny: [] }), { failureLogSize: 2 });
    await local.start();
    try {
      for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3'])
        await viaProxy(local, `http://${host}:${canary.port}/`);
      expect(local.recentDenials(0).map((d) => d.host)).toEqual(['127.0.0.2', '127.0.0.3']);
      expect(local.wasDenied('127.0.0.1', 0)).toBe(false);
    } finally {
      await local.stop();
    }
  });
});
