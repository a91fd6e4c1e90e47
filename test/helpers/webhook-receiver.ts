import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { closeHttpServer, listenOnLoopback } from './ports';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (what a signature is checked against). */
  raw: string;
  body: Record<string, any>;
  at: number;
}

/**
 * A loopback webhook receiver: records every delivery with its raw body;
 * `failFirst(path, n)` answers the first n deliveries to `path` with 500.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly failures = new Map<string, number>();
  private server: Server;
  port = 0;

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  failFirst(path: string, n: number): this {
    this.failures.set(path, n);
    return this;
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const path = req.url ?? '';
        let body: Record<string, any> = {};
        try {
          body = JSON.parse(raw) as Record<string, any>;
        } catch {
          // recorded as is
        }
        this.deliveries.push({ path, headers: req.headers, raw, body, at: Date.now() });
        const left = this.failures.get(path) ?? 0;
        if (left > 0) {
          this.failures.set(path, left - 1);
          res.writeHead(500).end('try again');
          return;
        }
        res.writeHead(204).end();
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeHttpServer(this.server);
  }
}
