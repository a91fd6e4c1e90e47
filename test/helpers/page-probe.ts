import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { closeHttpServer, listenOnLoopback } from './ports';

/**
 * A page that reports what it sees of its environment, read at parse time
 * (so it proves settings were in place from the first byte), as JSON in
 * <pre id="probe">. Capture it with format html and read it with readProbe.
 */
export const PROBE_PAGE = `<!doctype html><html><head><title>probe</title><script>
window.__probe = {
  ua: navigator.userAgent,
  platform: navigator.platform,
  language: navigator.language,
  languages: navigator.languages,
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  januaryOffset: new Date(2026, 0, 15).getTimezoneOffset(),
  number: (1234.5).toLocaleString(),
  dark: matchMedia('(prefers-color-scheme: dark)').matches,
  maxTouchPoints: navigator.maxTouchPoints,
  coarsePointer: matchMedia('(pointer: coarse)').matches,
  hasUaData: 'userAgentData' in navigator,
  uaData: navigator.userAgentData ? navigator.userAgentData.toJSON() : null,
  cookie: document.cookie,
  storage: localStorage.getItem('pixashot'),
  href: location.href,
};
</script></head><body><pre id="probe"></pre><script>
document.getElementById('probe').textContent = JSON.stringify(window.__probe);
</script></body></html>`;

/** The JSON a probe page wrote into <pre id="probe">, from a format html capture. */
export function readProbe(html: Buffer | string): Record<string, any> {
  const match = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(html.toString());
  if (!match) throw new Error(`no probe in ${html.toString().slice(0, 300)}`);
  return JSON.parse(match[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

/** A PNG of one colour, for image fixtures. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height * 4; i += 4) {
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** True when each channel of `actual` is within `tolerance` of `expected`. */
export const near = (actual: number[], expected: number[], tolerance = 24) =>
  expected.every((v, i) => Math.abs(actual[i] - v) <= tolerance);

/**
 * An HTTPS server on loopback with a self-signed certificate for 127.0.0.1,
 * made with openssl in a temp dir for this run.
 */
export class SelfSignedServer {
  private server: Server;
  private dir: string;
  port = 0;

  constructor(private readonly handler: RequestListener) {}

  url(path: string): string {
    return `https://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'pixashot-tls-'));
    const key = join(this.dir, 'key.pem');
    const cert = join(this.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    this.server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, this.handler);
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeHttpServer(this.server);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
