import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeHttpServer, listenOnLoopback } from './ports';

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback HTTP server for e2e specs: named routes, and a log of every request it saw. */
export class FixtureServer {
  readonly requests: LoggedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private server: Server;
  port = 0;

  /** Serves `body` at `path` (text/html unless said otherwise). */
  page(path: string, body: string, contentType = 'text/html; charset=utf-8'): this {
    return this.route(path, (_req, res) => {
      res.writeHead(200, { 'Content-Type': contentType });
      res.end(body);
    });
  }

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Requests whose path (without query) equals `path`. */
  hits(path: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path.split('?')[0] === path);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      const handler = this.routes.get((req.url ?? '').split('?')[0]);
      if (handler) return handler(req, res);
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>not found</h1>');
    });
    // WebSocket handshakes are logged too (method UPGRADE), then refused
    this.server.on('upgrade', (req: IncomingMessage, socket: { destroy(): void }) => {
      this.requests.push({ method: 'UPGRADE', path: req.url ?? '', headers: req.headers });
      socket.destroy();
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeHttpServer(this.server);
  }
}
