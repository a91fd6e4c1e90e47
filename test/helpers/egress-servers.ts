// Loopback servers for the egress specs: a fixture the allow list lets
// through, and canaries that count every connection they get (there must be
// none). Nothing here touches the internet.
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocketServer } from 'ws';
import { waitFor as poll } from './wait';

export interface Canary {
  port: number;
  /** TCP connections accepted, on any of its addresses. */
  connections(): number;
  /** Request paths it was asked for (for a failure message). */
  paths: string[];
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * An HTTP + WebSocket server on every given loopback address, one port. It
 * answers like a real service would (so a leak would look like success) and
 * counts connections.
 */
export async function startCanary(hosts: string[] = ['127.0.0.1', '::1'], port = 0): Promise<Canary> {
  let connections = 0;
  const paths: string[] = [];
  const servers: http.Server[] = [];
  const sockets = new Set<net.Socket>();
  for (const host of hosts) {
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('canary secret');
    });
    server.on('connection', (socket: net.Socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      paths.push(`ws:${req.url ?? ''}`);
      ws.send('canary secret');
    });
    await listen(server, port, host);
    port = (server.address() as net.AddressInfo).port;
    servers.push(server);
  }
  return {
    port,
    connections: () => connections,
    paths,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map(closeServer));
    },
  };
}

export interface UdpCanary {
  port: number;
  packets(): number;
  close(): Promise<void>;
}

/** Counts UDP datagrams (STUN, TURN, QUIC) on 127.0.0.1:port. */
export async function startUdpCanary(port: number): Promise<UdpCanary> {
  let packets = 0;
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => packets++);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    packets: () => packets,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export type FixtureHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface Fixture {
  port: number;
  base: string;
  /** Every request path, in order, with the headers it came with; WebSocket upgrades as `ws:<path>`. */
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] }>;
  paths(): string[];
  route(path: string, handler: FixtureHandler): void;
  page(path: string, html: string): void;
  close(): Promise<void>;
}

/**
 * The allowed loopback server. Routes are exact paths (query ignored);
 * `/redirect?status=302&to=URL` redirects; anything else answers
 * `fixture <path>`. WebSocket connections echo.
 */
export async function startFixture(host = '127.0.0.1'): Promise<Fixture> {
  const routes = new Map<string, FixtureHandler>();
  const requests: Fixture['requests'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    const url = new URL(req.url ?? '/', 'http://fixture');
    const handler = routes.get(url.pathname);
    if (handler) return handler(req, res);
    if (url.pathname === '/redirect') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), {
        Location: url.searchParams.get('to') ?? '/',
      });
      res.end();
      return;
    }
    const body = `fixture ${req.url ?? ''}`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    requests.push({ path: `ws:${req.url ?? ''}`, headers: req.headers, rawHeaders: req.rawHeaders });
    ws.on('message', (data) => ws.send(`echo ${String(data)}`));
    ws.send('fixture hello');
  });
  await listen(server, 0, host);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    base: `http://${host}:${port}`,
    requests,
    paths: () => requests.map((r) => r.path),
    route: (path, handler) => routes.set(path, handler),
    page: (path, html) =>
      routes.set(path, (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(html);
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** A port nothing listens on (bound, then released). */
export { freePort as closedPort } from './ports';

/** Polls every 25 ms for at most 5 s by default: the proxy's own events come quickly. */
export const waitFor = (predicate: () => boolean, timeoutMs = 5000, stepMs = 25): Promise<boolean> =>
  poll(predicate, timeoutMs, stepMs);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
