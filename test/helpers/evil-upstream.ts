// A raw TCP "evil upstream": it reads a request head and answers with bytes
// written by hand, so it can say what no HTTP library would (a status of
// 099, control characters, broken chunks, answers that never come or never
// end). Loopback only.
import * as net from 'node:net';
import { listenOnLoopback } from './ports';

/** What the server does with one request: write these bytes and close, or act on the socket itself. */
export type EvilAnswer = string | Buffer | ((socket: net.Socket) => void);

const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

const head = (statusLine: string, headers: string[] = [], body = ''): string =>
  `${statusLine}\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`;

/** Sends a valid head, then data without end (until the client goes away). */
function endless(socket: net.Socket): void {
  socket.write(head('HTTP/1.1 200 OK', ['Content-Type: text/html']));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const pump = (): void => {
    while (!socket.destroyed && socket.write(chunk));
    if (!socket.destroyed) socket.once('drain', pump);
  };
  pump();
}

/**
 * The malformed variants, by name: each is a path on the server. Every one
 * of them is something a hostile or broken server can send.
 */
export const EVIL_VARIANTS: Record<string, EvilAnswer> = {
  'status-099': head('HTTP/1.1 099 X', ['Content-Length: 2'], 'hi'),
  'status-000': head('HTTP/1.1 000 Zero', ['Content-Length: 2'], 'hi'),
  'status-600': head('HTTP/1.1 600 Beyond', ['Content-Length: 2'], 'hi'),
  'status-999': head('HTTP/1.1 999 Max', ['Content-Length: 2'], 'hi'),
  'status-1xx-final': head('HTTP/1.1 102 Processing', ['Content-Length: 2'], 'hi'),
  'status-letters': head('HTTP/1.1 2OO OK', ['Content-Length: 2'], 'hi'),
  'reason-control-char': head(
    'HTTP/1.1 200 O\x01K\x7f',
    ['Content-Type: text/html', 'Content-Length: 2'],
    'hi',
  ),
  'reason-escape-seq': head('HTTP/1.1 404 \x1b[31mred\x1b[0m', ['Content-Length: 2'], 'hi'),
  'header-name-space': head('HTTP/1.1 200 OK', ['Bad Name: x', 'Content-Length: 2'], 'hi'),
  'header-name-colon-only': head('HTTP/1.1 200 OK', [': novalue', 'Content-Length: 2'], 'hi'),
  'header-value-control': head('HTTP/1.1 200 OK', ['X-Evil: a\x01b\x02', 'Content-Length: 2'], 'hi'),
  'header-value-nul': head('HTTP/1.1 200 OK', ['X-Evil: a\x00b', 'Content-Length: 2'], 'hi'),
  'header-bare-cr': head('HTTP/1.1 200 OK', ['X-Evil: a\rSet-Cookie: x=1', 'Content-Length: 2'], 'hi'),
  'header-obs-fold': head('HTTP/1.1 200 OK', ['X-Evil: a', '  folded', 'Content-Length: 2'], 'hi'),
  'duplicate-content-length': head(
    'HTTP/1.1 200 OK',
    ['Content-Length: 2', 'Content-Length: 5', 'Content-Type: text/html'],
    'hello',
  ),
  'duplicate-location': head('HTTP/1.1 302 Found', ['Location: /a', 'Location: /b', 'Content-Length: 0']),
  'cl-and-chunked': head(
    'HTTP/1.1 200 OK',
    ['Content-Length: 3', 'Transfer-Encoding: chunked', 'Content-Type: text/html'],
    '2\r\nhi\r\n0\r\n\r\n',
  ),
  'oversized-header': head(
    'HTTP/1.1 200 OK',
    [`X-Big: ${'a'.repeat(200 * 1024)}`, 'Content-Length: 2'],
    'hi',
  ),
  'many-headers': head(
    'HTTP/1.1 200 OK',
    [...Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`), 'Content-Type: text/html', 'Content-Length: 2'],
    'hi',
  ),
  'chunked-bad-size': head(
    'HTTP/1.1 200 OK',
    ['Transfer-Encoding: chunked', 'Content-Type: text/html'],
    'ZZZ\r\nhi\r\n',
  ),
  'chunked-cut': head(
    'HTTP/1.1 200 OK',
    ['Transfer-Encoding: chunked', 'Content-Type: text/html'],
    '10\r\nhi',
  ),
  'chunked-huge-size': head(
    'HTTP/1.1 200 OK',
    ['Transfer-Encoding: chunked', 'Content-Type: text/html'],
    'ffffffffffffffffffff\r\nhi\r\n',
  ),
  'truncated-body': head(
    'HTTP/1.1 200 OK',
    ['Content-Type: text/html', 'Content-Length: 100000'],
    '<h1>short',
  ),
  'truncated-head': 'HTTP/1.1 200 OK\r\nContent-Type: text/ht',
  'no-status-line': head('hello there', ['Content-Length: 2'], 'hi'),
  'http-0.9-garbage': '\x00\x01\x02\xff\xfe garbage without a head',
  'empty-close': '',
  'bad-png': head('HTTP/1.1 200 OK', ['Content-Type: image/png', 'Content-Length: 40'], 'not a png'),
  silent: () => undefined,
  endless,
};

export interface EvilUpstream {
  port: number;
  url(variant: string): string;
  /** Requests seen, by path. */
  paths: string[];
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1. `/<variant>` answers that variant; `/page/<variant>`
 * is a well-formed page whose <img> is `/<variant>`; `/ok.png` and `/ok` are
 * well-formed. Extra variants can be passed in.
 */
export async function startEvilUpstream(extra: Record<string, EvilAnswer> = {}): Promise<EvilUpstream> {
  const variants = { ...EVIL_VARIANTS, ...extra };
  const sockets = new Set<net.Socket>();
  const paths: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const path = /^[A-Z]+ (\S+)/.exec(received)?.[1] ?? '/';
      paths.push(path);
      answer(socket, path);
    };
    socket.on('data', onData);
  });
  const answer = (socket: net.Socket, path: string): void => {
    if (path === '/ok') {
      socket.end(
        head('HTTP/1.1 200 OK', ['Content-Type: text/html', 'Content-Length: 15'], '<h1>fine</h1>\n\n'),
      );
      return;
    }
    if (path === '/ok.png') {
      socket.end(
        Buffer.concat([
          Buffer.from(
            head('HTTP/1.1 200 OK', ['Content-Type: image/png', `Content-Length: ${PNG_1x1.length}`]),
          ),
          PNG_1x1,
        ]),
      );
      return;
    }
    const page = /^\/page\/(.+)$/.exec(path);
    if (page) {
      const body = `<!doctype html><h1>page</h1><img src="/${page[1]}">`;
      socket.end(
        head('HTTP/1.1 200 OK', ['Content-Type: text/html', `Content-Length: ${body.length}`], body),
      );
      return;
    }
    const variant = variants[path.slice(1)];
    if (variant === undefined) socket.end(head('HTTP/1.1 404 Not Found', ['Content-Length: 0']));
    else if (typeof variant === 'function') variant(socket);
    else socket.end(variant);
  };
  const port = await listenOnLoopback(server);
  return {
    port,
    paths,
    url: (variant) => `http://127.0.0.1:${port}/${variant}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
