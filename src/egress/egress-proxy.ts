// The egress proxy: every byte the browser sends to the network goes through
// here. It takes plain forward-proxy requests (absolute-URI request line, also
// WebSocket upgrades over plain http) and CONNECT tunnels (https, wss). For
// each it resolves the host once, checks every address against the network
// policy, and connects to a checked address itself, so a name that resolves
// differently a moment later (DNS rebinding) cannot get through.
import * as http from 'node:http';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as ipaddr from 'ipaddr.js';
import { EgressDeniedError, EgressLookupError } from './egress.errors';
import { EgressLookup, NetworkPolicy, parseAddress, parseHost, resolveAndCheck } from './network-policy';

export const BLOCKED_HEADER = 'x-pixashot-blocked';
export const DNS_ERROR_HEADER = 'x-pixashot-dns-error';
/** Marks the proxy's own 502 when the checked address refused or timed out (not the target's 502). */
export const CONNECT_ERROR_HEADER = 'x-pixashot-connect-error';

export type EgressRequestKind = 'http' | 'upgrade' | 'connect';

export interface EgressDecisionEvent {
  kind: EgressRequestKind;
  host: string;
  port: number;
  address?: string;
  allowed: boolean;
  reason: string;
}

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
}

export interface EgressProxyOptions {
  /** Name resolution; dns.lookup (all addresses) by default. Tests inject made-up answers. */
  lookup?: EgressLookup;
  /** Per address tried; default 10 s. */
  connectTimeoutMs?: number;
  /** Called once per request or tunnel with the policy's verdict. Must not throw (it is guarded anyway). */
  onDecision?: (event: EgressDecisionEvent) => void;
  /** How many recent failures to remember (default 1000) and for how long (default 60 s). */
  failureLogSize?: number;
  failureLogTtlMs?: number;
}

type Outcome =
  { ok: true; socket: net.Socket } | { ok: false; status: 400 | 403 | 502; header?: string; body: string };

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * Drops hop-by-hop headers (RFC 9110 7.6.1), those named in Connection, and
 * every Proxy-* header, keeping order and duplicates. For an upgrade the
 * Connection/Upgrade pair is put back.
 */
export function forwardableHeaders(rawHeaders: string[], upgrade?: string): string[] {
  const named = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === 'connection') {
      for (const token of rawHeaders[i + 1].split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name) || name.startsWith('proxy-')) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  if (upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', upgrade);
  return out;
}

/** Splits an absolute http URI into host, port and the origin-form path, keeping the path's bytes as sent. */
function parseAbsoluteHttpUri(
  uri: string | undefined,
): { hostname: string; port: number; path: string } | null {
  const match = /^http:\/\/([^/?#]*)([^#]*)/i.exec(uri ?? '');
  if (!match || match[1] === '' || match[1].includes('@')) return null;
  let url: URL;
  try {
    url = new URL(`http://${match[1]}/`);
  } catch {
    return null;
  }
  const rest = match[2];
  return {
    hostname: url.hostname,
    port: url.port === '' ? 80 : Number(url.port),
    path: rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`,
  };
}

/** host:port or [v6]:port of a CONNECT request. */
function parseAuthority(authority: string | undefined): { hostname: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority ?? '');
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { hostname: match[1], port };
}

function isLoopbackOrUnspecified(address: string): boolean {
  let ip = parseAddress(address);
  if (!ip) return false;
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ['loopback', 'unspecified'].includes(ip.range());
}

const noop = (): void => undefined;

export class EgressProxy {
  private denied = 0;
  private server?: http.Server;
  private port = 0;
  private stopped = false;
  private readonly sockets = new Set<net.Socket | Duplex>();
  private readonly failures: EgressFailure[] = [];
  private readonly lookup?: EgressLookup;
  private readonly connectTimeoutMs: number;
  private readonly failureLogSize: number;
  private readonly failureLogTtlMs: number;

  constructor(
    private readonly policy: NetworkPolicy,
    private readonly opts: EgressProxyOptions = {},
  ) {
    this.lookup = opts.lookup;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.failureLogSize = opts.failureLogSize ?? 1000;
    this.failureLogTtlMs = opts.failureLogTtlMs ?? 60_000;
  }

  /** Listens on 127.0.0.1, on a port the system picks. */
  async start(): Promise<void> {
    if (this.server) throw new Error('egress proxy already started');
    this.stopped = false;
    const server = http.createServer({ maxHeaderSize: 64 * 1024 });
    server.on('connection', (socket: net.Socket) => this.track(socket));
    server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      void this.forward(req, res);
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', noop);
      void this.upgrade(req, socket, head);
    });
    server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', noop);
      void this.tunnel(req, socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', noop);
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** `http://127.0.0.1:PORT`, for Chrome's --proxy-server. */
  get url(): string {
    if (!this.server) throw new Error('egress proxy not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and destroys every connection and tunnel, in either direction. */
  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Did the policy refuse `host` (any spelling), on `port` if given, at or
   * after `since` (a Date.now() value)?
   */
  wasDenied(host: string, since: number, port?: number): boolean {
    let normalised: string;
    try {
      normalised = parseHost(host).host;
    } catch {
      normalised = host.toLowerCase();
    }
    return this.recentFailures(since).some(
      (f) => f.outcome === 'denied' && f.host === normalised && (port === undefined || f.port === port),
    );
  }

  /** Denials at or after `since`. */
  recentDenials(since: number): EgressFailure[] {
    return this.recentFailures(since).filter((f) => f.outcome === 'denied');
  }

  /** Denials, DNS failures and connect failures at or after `since`, oldest first (bounded by size and age). */
  recentFailures(since: number): EgressFailure[] {
    this.pruneFailures();
    return this.failures.filter((f) => f.at >= since);
  }

  private pruneFailures(): void {
    const oldest = Date.now() - this.failureLogTtlMs;
    while (
      this.failures.length > 0 &&
      (this.failures.length > this.failureLogSize || this.failures[0].at < oldest)
    ) {
      this.failures.shift();
    }
  }

  /** Connections the policy refused since start (DNS and connect failures are not refusals). */
  get deniedTotal(): number {
    return this.denied;
  }

  private record(failure: Omit<EgressFailure, 'at'>): void {
    if (failure.outcome === 'denied') this.denied++;
    this.failures.push({ at: Date.now(), ...failure });
    this.pruneFailures();
  }

  private decided(event: EgressDecisionEvent): void {
    try {
      this.opts.onDecision?.(event);
    } catch {
      // A broken listener must not break the proxy.
    }
  }

  private track<T extends net.Socket | Duplex>(socket: T): T {
    if (this.stopped) {
      socket.destroy();
      return socket;
    }
    socket.on('error', noop);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  /** Resolve, decide, connect. Never throws. */
  private async open(
    kind: EgressRequestKind,
    hostname: string,
    port: number,
    client: Duplex,
  ): Promise<Outcome> {
    let addresses: Array<{ address: string }>;
    let host = hostname;
    let allowedBecause: string;
    try {
      const target = await resolveAndCheck(hostname, port, this.policy, this.lookup);
      host = target.host;
      addresses = target.addresses;
      allowedBecause = target.reason;
      if (port === this.port && addresses.some((a) => isLoopbackOrUnspecified(a.address))) {
        throw new EgressDeniedError(host, target.address, 'the egress proxy itself');
      }
    } catch (e) {
      if (e instanceof EgressLookupError) {
        const reason = `DNS lookup failed${e.code ? ` (${e.code})` : ''}`;
        this.record({ outcome: 'dns-error', kind, host: e.host, port, reason });
        this.decided({ kind, host: e.host, port, allowed: false, reason });
        return { ok: false, status: 502, header: DNS_ERROR_HEADER, body: 'DNS lookup failed\n' };
      }
      const denied =
        e instanceof EgressDeniedError
          ? e
          : new EgressDeniedError(host, undefined, `error: ${(e as Error).message}`);
      this.record({
        outcome: 'denied',
        kind,
        host: denied.host,
        port,
        address: denied.address,
        reason: denied.reason,
      });
      this.decided({
        kind,
        host: denied.host,
        port,
        address: denied.address,
        allowed: false,
        reason: denied.reason,
      });
      // The reason (which may name an internal address) stays in the log, not in the page.
      return { ok: false, status: 403, header: BLOCKED_HEADER, body: 'Blocked by the network policy\n' };
    }
    this.decided({ kind, host, port, address: addresses[0].address, allowed: true, reason: allowedBecause });

    let lastError: Error | undefined;
    for (const { address } of addresses) {
      if (this.stopped || client.destroyed) break;
      try {
        const socket = await this.connect(address, port);
        if (this.stopped || client.destroyed) {
          socket.destroy();
          break;
        }
        return { ok: true, socket };
      } catch (e) {
        lastError = e as Error;
      }
    }
    const reason = `connect failed: ${lastError?.message ?? 'client gone or proxy stopping'}`;
    this.record({ outcome: 'connect-error', kind, host, port, address: addresses[0].address, reason });
    return {
      ok: false,
      status: 502,
      header: CONNECT_ERROR_HEADER,
      body: 'Could not connect to the target\n',
    };
  }

  /** Connects to an IP literal (no lookup can happen), within the connect timeout. */
  private connect(address: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.track(net.connect({ host: address, port }));
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.off('close', closed);
        socket.destroy();
        reject(err);
      };
      // Destroyed without an error (by stop()): no 'error' event comes.
      const closed = (): void => fail(new Error('closed before connecting'));
      const timer = setTimeout(
        () => fail(new Error(`timed out after ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
      socket.once('error', fail);
      socket.once('close', closed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.off('close', closed);
        resolve(socket);
      });
    });
  }

  /** Plain forward-proxy request: GET http://host/path HTTP/1.1. Bodies are streamed both ways. */
  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.on('error', noop);
    res.on('error', noop);
    const target = parseAbsoluteHttpUri(req.url);
    if (!target) {
      reply(res, 400, undefined, 'The egress proxy takes absolute http:// request URIs only\n');
      return;
    }
    const outcome = await this.open('http', target.hostname, target.port, req.socket);
    if (!outcome.ok) {
      reply(res, outcome.status, outcome.header, outcome.body);
      return;
    }
    const upstream = outcome.socket;
    if (res.destroyed) {
      upstream.destroy();
      return;
    }

    const headers = forwardableHeaders(req.rawHeaders);
    if (!headers.some((_, i) => i % 2 === 0 && headers[i].toLowerCase() === 'host')) {
      headers.push('Host', target.port === 80 ? target.hostname : `${target.hostname}:${target.port}`);
    }
    const upstreamReq = http.request({
      createConnection: () => upstream,
      method: req.method,
      path: target.path,
      headers,
      setHost: false,
      maxHeaderSize: 64 * 1024,
    });
    upstreamReq.on('error', () => {
      upstream.destroy();
      if (!res.headersSent) reply(res, 502, CONNECT_ERROR_HEADER, 'The target closed the connection\n');
      else res.destroy();
    });
    upstreamReq.on('response', (upstreamRes: http.IncomingMessage) => {
      upstreamRes.on('error', () => res.destroy());
      res.writeHead(
        upstreamRes.statusCode ?? 502,
        upstreamRes.statusMessage,
        forwardableHeaders(upstreamRes.rawHeaders),
      );
      upstreamRes.pipe(res);
    });
    // The client went away (or the response is done): nothing more to fetch.
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
      upstream.destroy();
    });
    req.pipe(upstreamReq);
  }

  /** An Upgrade (WebSocket) over a plain forward-proxy request: the head goes up verbatim, then bytes both ways. */
  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = parseAbsoluteHttpUri(req.url);
    if (!target) {
      rawReply(socket, 400, undefined, 'The egress proxy takes absolute http:// request URIs only\n');
      return;
    }
    const outcome = await this.open('upgrade', target.hostname, target.port, socket);
    if (!outcome.ok) {
      rawReply(socket, outcome.status, outcome.header, outcome.body);
      return;
    }
    const headers = forwardableHeaders(req.rawHeaders, String(req.headers.upgrade ?? 'websocket'));
    let requestHead = `${req.method} ${target.path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) requestHead += `${headers[i]}: ${headers[i + 1]}\r\n`;
    outcome.socket.write(`${requestHead}\r\n`);
    if (head.length > 0) outcome.socket.write(head);
    splice(socket, outcome.socket);
  }

  /** CONNECT host:port: a TCP tunnel to a checked address (https, wss). */
  private async tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = parseAuthority(req.url);
    if (!target) {
      rawReply(socket, 400, undefined, 'CONNECT takes host:port\n');
      return;
    }
    const outcome = await this.open('connect', target.hostname, target.port, socket);
    if (!outcome.ok) {
      rawReply(socket, outcome.status, outcome.header, outcome.body);
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) outcome.socket.write(head);
    splice(socket, outcome.socket);
  }
}

function reply(res: http.ServerResponse, status: number, header: string | undefined, body: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  };
  if (header) headers[header] = '1';
  res.writeHead(status, headers);
  res.end(body);
}

/** A response written straight to a socket (CONNECT and Upgrade have no ServerResponse), then close. */
function rawReply(socket: Duplex, status: number, header: string | undefined, body: string): void {
  if (socket.destroyed) return;
  const text = http.STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\n` +
      (header ? `${header}: 1\r\n` : '') +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // Do not wait for the client to close its side.
  socket.once('finish', () => socket.destroy());
}

/** Bytes both ways; either side failing or closing ends both. */
function splice(a: Duplex, b: Duplex): void {
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close);
  b.on('error', close);
  a.on('close', close);
  b.on('close', close);
  a.pipe(b);
  b.pipe(a);
}
