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
import { EgressFailure, EgressFailureLog, EgressRequestKind } from './egress-failure-log';
import { EgressLookup, NetworkPolicy, parseAddress, resolveAndCheck } from './network-policy';

export type { EgressFailure, EgressRequestKind } from './egress-failure-log';

export const BLOCKED_HEADER = 'x-pixashot-blocked';
export const DNS_ERROR_HEADER = 'x-pixashot-dns-error';
/** Marks the proxy's own 502 when the checked address refused or timed out (not the target's 502). */
export const CONNECT_ERROR_HEADER = 'x-pixashot-connect-error';
/**
 * Marks the proxy's own 502 when the target's answer could not be forwarded:
 * a malformed status line or header, no answer in time, a broken connection.
 */
export const UPSTREAM_ERROR_HEADER = 'x-pixashot-upstream-error';

/** Largest response head the proxy reads from a target (and from Chrome). */
const MAX_HEADER_BYTES = 64 * 1024;

export interface EgressDecisionEvent {
  kind: EgressRequestKind;
  host: string;
  port: number;
  address?: string;
  allowed: boolean;
  reason: string;
  /** The route (capture) the connection came in on; undefined for the browser-wide one. */
  route?: string;
}

export interface EgressProxyOptions {
  /** Name resolution; dns.lookup (all addresses) by default. Tests inject made-up answers. */
  lookup?: EgressLookup;
  /** Per address tried; default 10 s. */
  connectTimeoutMs?: number;
  /** Called once per request or tunnel with the policy's verdict. Must not throw (it is guarded anyway). */
  onDecision?: (event: EgressDecisionEvent) => void;
  /** Called with every failure as it is recorded (the child process reports them to the API). Guarded. */
  onFailure?: (failure: EgressFailure) => void;
  /** Called when a handler failed unexpectedly (its connection was closed). Guarded. */
  onFault?: (err: Error) => void;
  /** How many recent failures to remember (default 1000) and for how long (default 60 s). */
  failureLogSize?: number;
  failureLogTtlMs?: number;
  /**
   * A plain-http target that sends nothing for this long (before or during
   * its answer) is dropped: a 502, or a cut response. Default 30 s.
   */
  upstreamIdleTimeoutMs?: number;
  /** A plain-http response body larger than this is cut off. Default 256 MiB. */
  maxResponseBytes?: number;
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

/**
 * A target's status line and headers as the proxy may pass them on, or null
 * when they are no answer it can forward. Node's client accepts what its
 * server side then refuses to write (a status of 099 or 000, a control
 * character in the reason phrase): checked here, before writeHead.
 */
export function forwardableHead(
  res: http.IncomingMessage,
): { status: number; reason: string; headers: string[] } | null {
  const status = res.statusCode ?? 0;
  // A final answer is 2xx..5xx: Node hands 1xx answers to 'information', so one here is no answer at all.
  if (!Number.isInteger(status) || status < 200 || status > 599) return null;
  const headers = forwardableHeaders(res.rawHeaders);
  for (let i = 0; i < headers.length; i += 2) {
    try {
      http.validateHeaderName(headers[i]);
      http.validateHeaderValue(headers[i], headers[i + 1]);
    } catch {
      return null;
    }
  }
  // The reason phrase is words for people, not protocol: a bad one is replaced, not forwarded.
  const sent = res.statusMessage ?? '';
  const reason = /^[\t\x20-\x7e\x80-\xff]*$/.test(sent) ? sent : (http.STATUS_CODES[status] ?? '');
  return { status, reason, headers };
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
  private server?: http.Server;
  /** The port it listens on itself (start()), 0 when it only takes connections handed to it (attach()). */
  private port = 0;
  private attached = false;
  /** Ports on which connections reach this proxy: a request to one of them on loopback is to itself. */
  private ownPorts = new Set<number>();
  private stopped = false;
  private readonly sockets = new Set<net.Socket | Duplex>();
  /** The route each handed-over client connection came in on. */
  private readonly routes = new WeakMap<object, string>();
  private readonly failures: EgressFailureLog;
  private readonly lookup?: EgressLookup;
  private readonly connectTimeoutMs: number;
  private readonly upstreamIdleTimeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(
    private readonly policy: NetworkPolicy,
    private readonly opts: EgressProxyOptions = {},
  ) {
    this.lookup = opts.lookup;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.upstreamIdleTimeoutMs = opts.upstreamIdleTimeoutMs ?? 30_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 256 * 1024 * 1024;
    this.failures = new EgressFailureLog(opts.failureLogSize, opts.failureLogTtlMs);
  }

  /** Listens on 127.0.0.1, on a port the system picks. */
  async start(): Promise<void> {
    if (this.server) throw new Error('egress proxy already started');
    const server = this.createServer();
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
    this.ownPorts = new Set([this.port]);
  }

  /**
   * Takes connections from accept() instead of listening: someone else owns
   * the listening sockets (the API process, so the address survives a
   * restart of this one) and says on which ports they listen.
   */
  attach(ownPorts: number[]): void {
    if (this.server) throw new Error('egress proxy already started');
    this.server = this.createServer();
    this.attached = true;
    this.setOwnPorts(ownPorts);
  }

  setOwnPorts(ports: number[]): void {
    this.ownPorts = new Set(ports);
  }

  /** Serves a client connection accepted elsewhere; `route` tags every request on it. */
  accept(socket: net.Socket, route?: string): void {
    if (!this.server || !this.attached) {
      socket.destroy();
      return;
    }
    if (route !== undefined) this.routes.set(socket, route);
    this.server.emit('connection', socket);
    socket.resume(); // handed over paused (pauseOnConnect), so no byte was read by the sender
  }

  private createServer(): http.Server {
    this.stopped = false;
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES });
    server.on('connection', (socket: net.Socket) => this.track(socket));
    server.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    });
    // Each handler fails alone: whatever a target or a client sends, an error
    // ends that connection, never the process.
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.guard(() => this.forward(req, res), req.socket);
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', noop);
      this.guard(() => this.upgrade(req, socket, head), socket);
    });
    server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', noop);
      this.guard(() => this.tunnel(req, socket, head), socket);
    });
    return server;
  }

  /** `http://127.0.0.1:PORT`, for Chrome's --proxy-server. */
  get url(): string {
    if (!this.server || this.attached) throw new Error('egress proxy not started');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and destroys every connection and tunnel, in either direction. */
  async stop(): Promise<void> {
    this.stopped = true;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (!server || this.attached) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Did the policy refuse `host` (any spelling), on `port` if given, at or
   * after `since` (a Date.now() value)?
   */
  wasDenied(host: string, since: number, port?: number): boolean {
    return this.failures.wasDenied(host, since, port);
  }

  /** Denials at or after `since`. */
  recentDenials(since: number): EgressFailure[] {
    return this.recentFailures(since).filter((f) => f.outcome === 'denied');
  }

  /** Denials, DNS failures and connect failures at or after `since`, oldest first (bounded by size and age). */
  recentFailures(since: number): EgressFailure[] {
    return this.failures.recent(since);
  }

  /** Connections the policy refused since start (DNS and connect failures are not refusals). */
  get deniedTotal(): number {
    return this.failures.deniedTotal;
  }

  private record(failure: Omit<EgressFailure, 'at'>): void {
    const recorded = { at: Date.now(), ...failure };
    this.failures.add(recorded);
    try {
      this.opts.onFailure?.(recorded);
    } catch {
      // A broken listener must not break the proxy.
    }
  }

  private decided(event: EgressDecisionEvent): void {
    try {
      this.opts.onDecision?.(event);
    } catch {
      // A broken listener must not break the proxy.
    }
  }

  /** Runs a handler; anything it throws (now or later) closes its connection and is reported, nothing more. */
  private guard(handler: () => Promise<void>, socket: Duplex): void {
    const failed = (err: unknown): void => {
      socket.destroy();
      try {
        this.opts.onFault?.(err instanceof Error ? err : new Error(String(err)));
      } catch {
        // nothing more to do
      }
    };
    try {
      handler().catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  private routeOf(socket: Duplex): string | undefined {
    return this.routes.get(socket);
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
    const route = this.routeOf(client);
    let addresses: Array<{ address: string }>;
    let host = hostname;
    let allowedBecause: string;
    try {
      const target = await resolveAndCheck(hostname, port, this.policy, this.lookup);
      host = target.host;
      addresses = target.addresses;
      allowedBecause = target.reason;
      if (this.ownPorts.has(port) && addresses.some((a) => isLoopbackOrUnspecified(a.address))) {
        throw new EgressDeniedError(host, target.address, 'the egress proxy itself');
      }
    } catch (e) {
      if (e instanceof EgressLookupError) {
        const reason = `DNS lookup failed${e.code ? ` (${e.code})` : ''}`;
        this.record({ outcome: 'dns-error', kind, host: e.host, port, reason, route });
        this.decided({ kind, host: e.host, port, allowed: false, reason, route });
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
        route,
      });
      this.decided({
        kind,
        host: denied.host,
        port,
        address: denied.address,
        allowed: false,
        reason: denied.reason,
        route,
      });
      // The reason (which may name an internal address) stays in the log, not in the page.
      return { ok: false, status: 403, header: BLOCKED_HEADER, body: 'Blocked by the network policy\n' };
    }
    this.decided({
      kind,
      host,
      port,
      address: addresses[0].address,
      allowed: true,
      reason: allowedBecause,
      route,
    });

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
    this.record({ outcome: 'connect-error', kind, host, port, address: addresses[0].address, reason, route });
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

  /**
   * Plain forward-proxy request: GET http://host/path HTTP/1.1. Bodies are
   * streamed both ways. Everything the target sends back is hostile: a
   * status line or header Node would refuse to write, a target that stalls,
   * sends without end or breaks off, each ends this one request (a 502 before
   * the answer started, a cut connection after).
   */
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
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    let failed = false;
    const badUpstream = (): void => {
      if (failed) return; // a timeout, a parse error and a close can all report one failure
      failed = true;
      upstreamReq.destroy();
      upstream.destroy();
      if (!res.headersSent) reply(res, 502, UPSTREAM_ERROR_HEADER, 'The target sent no usable answer\n');
      else res.destroy();
    };
    // No byte from the target for this long, before or during the answer: it is not going to answer.
    upstream.setTimeout(this.upstreamIdleTimeoutMs, badUpstream);
    upstreamReq.on('error', badUpstream);
    upstreamReq.on('response', (upstreamRes: http.IncomingMessage) => {
      upstreamRes.on('error', badUpstream);
      const head = forwardableHead(upstreamRes);
      if (!head) {
        badUpstream();
        return;
      }
      try {
        res.writeHead(head.status, head.reason, head.headers);
      } catch {
        // forwardableHead checks what writeHead checks; this is the net under it.
        badUpstream();
        return;
      }
      let bytes = 0;
      upstreamRes.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > this.maxResponseBytes) badUpstream();
      });
      // A body cut short (a Content-Length not reached, a broken chunk) must not look complete to Chrome.
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) res.destroy();
      });
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
