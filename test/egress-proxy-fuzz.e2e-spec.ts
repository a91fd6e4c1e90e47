// The egress proxy in its own process (EgressProxySupervisor, as the service
// runs it) against a raw TCP server that answers what no HTTP library would:
// each named malformed variant, then a few hundred generated ones. Every
// request must end (an answer or a closed connection) within its deadline,
// and the proxy process must neither fault nor die. Then the process is
// killed under a request: the request fails cleanly, the next one works on
// the same address, and the restart is counted.
import * as http from 'node:http';
import * as net from 'node:net';
import { UPSTREAM_ERROR_HEADER } from '../src/egress/egress-proxy';
import { EgressProxySupervisor } from '../src/egress/egress-proxy.supervisor';
import { EVIL_VARIANTS, EvilAnswer, EvilUpstream, startEvilUpstream } from './helpers/evil-upstream';
import { waitFor } from './helpers/egress-servers';

type Outcome = { status: number; reason: string; upstreamError: boolean; body: string } | { closed: string };

/** GET through the proxy; never rejects: a broken connection is an outcome too. */
function viaProxy(proxyUrl: string, uri: string, deadlineMs: number): Promise<Outcome & { ms: number }> {
  const proxy = new URL(proxyUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...outcome, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done({ closed: 'DEADLINE PASSED' }), deadlineMs);
    const req = http.get(
      { host: proxy.hostname, port: Number(proxy.port), path: uri, agent: false, insecureHTTPParser: true },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk.slice(0, 1000)));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            upstreamError: res.headers[UPSTREAM_ERROR_HEADER] === '1',
            body,
          }),
        );
        res.on('error', (err) => done({ closed: `during body: ${err.message}` }));
        res.on('aborted', () => done({ closed: 'aborted during body' }));
      },
    );
    req.on('error', (err) => done({ closed: err.message }));
  });
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed by its number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated malformed (or, by chance, valid) response: a mutated status line, headers, framing, body, cut. */
export function generatedResponse(seed: number): EvilAnswer {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const junk = (n: number): string =>
    Array.from({ length: n }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
  const status = pick([
    '200',
    '099',
    '000',
    '600',
    '999',
    '1000',
    '-1',
    '20',
    '2x0',
    '101',
    '103',
    '204',
    '304',
    '404',
    '502',
    String(Math.floor(r() * 1000)),
  ]);
  const version = pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1', 'HTTP/9', 'HTTP/1.1 ', 'http/1.1']);
  const reason = pick(['OK', '', 'O\x01K', '\x1b[2J', junk(8), 'Very '.repeat(50), 'Ok\tfine']);
  const headers: string[] = [];
  const headerCount = Math.floor(r() * 8);
  for (let i = 0; i < headerCount; i++) {
    headers.push(
      pick([
        `X-Junk: ${junk(6)}`,
        `${junk(5)}: value`,
        `X-Ctl: a${String.fromCharCode(Math.floor(r() * 32))}b`,
        'Content-Length: 5',
        `Content-Length: ${Math.floor(r() * 100000)}`,
        'Content-Length: -1',
        'Content-Length: 1e3',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Transfer-Encoding: identity',
        'Content-Type: text/html',
        'Set-Cookie: a=1',
        'Location: /elsewhere',
        'Connection: keep-alive, X-Junk',
        'Upgrade: websocket',
        '  obs-fold continuation',
        ':empty-name',
        `X-Long: ${'v'.repeat(Math.floor(r() * 70_000))}`,
      ]),
    );
  }
  const body = pick([
    'hello',
    '5\r\nhello\r\n0\r\n\r\n',
    'zz\r\nbad chunk\r\n',
    'fffffffffffffffffff\r\nx',
    junk(Math.floor(r() * 2000)),
    '',
  ]);
  const eol = pick(['\r\n', '\r\n', '\r\n', '\n', '\r']);
  let text = `${version} ${status} ${reason}${eol}${headers.join(eol)}${headers.length ? eol : ''}${eol}${body}`;
  const cut = r();
  if (cut < 0.15) text = text.slice(0, Math.floor(r() * text.length)); // cut anywhere, the head too
  const ending = r();
  return (socket: net.Socket) => {
    socket.write(Buffer.from(text, 'latin1'));
    if (ending < 0.7) socket.end();
    else if (ending < 0.85) socket.destroy(); // an abrupt close (RST-like)
    // else: the server just stops talking, with the connection open
  };
}

const FUZZ_CASES = 300;
/** The proxy gives up on a silent target after this; every request must end well before its deadline. */
const IDLE_MS = 1000;
const DEADLINE_MS = 15_000;

describe('Egress proxy process against hostile upstreams', () => {
  let evil: EvilUpstream;
  let proxy: EgressProxySupervisor;
  const faults: string[] = [];
  const restarts: unknown[] = [];

  beforeAll(async () => {
    const generated: Record<string, EvilAnswer> = {};
    for (let i = 0; i < FUZZ_CASES; i++) generated[`fuzz-${i}`] = generatedResponse(i);
    evil = await startEvilUpstream(generated);
    proxy = new EgressProxySupervisor({
      allow: [`127.0.0.1:${evil.port}`],
      deny: [],
      upstreamIdleTimeoutMs: IDLE_MS,
      maxResponseBytes: 4 * 1024 * 1024,
      onFault: (message) => faults.push(message),
      onRestart: (exit) => restarts.push(exit),
    });
    await proxy.start();
  });

  afterAll(async () => {
    await proxy?.stop();
    await evil?.close();
  });

  it('answers a status outside 200..599 with its own 502, and replaces a reason phrase with control characters', async () => {
    for (const variant of ['status-099', 'status-000', 'status-600', 'status-999', 'status-1xx-final']) {
      const res = await viaProxy(proxy.url, evil.url(variant), DEADLINE_MS);
      expect({ variant, res }).toMatchObject({ variant, res: { status: 502, upstreamError: true } });
    }
    const res = await viaProxy(proxy.url, evil.url('reason-control-char'), DEADLINE_MS);
    expect(res).toMatchObject({ status: 200, reason: 'OK', body: 'hi' });
    expect(await viaProxy(proxy.url, evil.url('header-value-control'), DEADLINE_MS)).toMatchObject({
      status: 502,
      upstreamError: true,
    });
  });

  it.each(Object.keys(EVIL_VARIANTS))(
    'ends a request to a target that sends %s within the deadline, and keeps serving',
    async (variant) => {
      const res = await viaProxy(proxy.url, evil.url(variant), DEADLINE_MS);
      expect(res).not.toMatchObject({ closed: 'DEADLINE PASSED' });
      if ('status' in res) expect(res.status).toBeGreaterThanOrEqual(200);
      if ('status' in res) expect(res.status).toBeLessThan(600);
      expect(await viaProxy(proxy.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({ status: 200 });
      expect({ faults, restarts }).toEqual({ faults: [], restarts: [] });
    },
  );

  it(`survives ${FUZZ_CASES} generated malformed answers without a fault or a restart`, async () => {
    const pid = proxy.pid;
    const outcomes: Array<{ i: number; res: Awaited<ReturnType<typeof viaProxy>> }> = [];
    let next = 0;
    // Eight at a time: the proxy serves them side by side, as it would a page's subresources.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < FUZZ_CASES) {
          const i = next++;
          outcomes.push({ i, res: await viaProxy(proxy.url, evil.url(`fuzz-${i}`), DEADLINE_MS) });
        }
      }),
    );
    expect(outcomes).toHaveLength(FUZZ_CASES);
    const late = outcomes.filter(({ res }) => 'closed' in res && res.closed === 'DEADLINE PASSED');
    expect(late).toEqual([]);
    const invalid = outcomes.filter(({ res }) => 'status' in res && (res.status < 200 || res.status > 599));
    expect(invalid).toEqual([]);
    // Both kinds of ending happened: the generator is not all-good or all-broken.
    expect(outcomes.some(({ res }) => 'status' in res && res.upstreamError)).toBe(true);
    expect(outcomes.some(({ res }) => 'status' in res && !res.upstreamError)).toBe(true);
    expect({ faults, restarts, pid: proxy.pid }).toEqual({ faults: [], restarts: [], pid });
    expect(await viaProxy(proxy.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({ status: 200 });
  });

  it('cuts off a target that sends without end at the byte cap', async () => {
    const res = await viaProxy(proxy.url, evil.url('endless'), DEADLINE_MS);
    expect(res).toMatchObject({ closed: expect.not.stringMatching(/DEADLINE/) });
  });

  it("reuses a closed route's port for the next context: a connection in between is dropped, and refusals after count for the new route only", async () => {
    const first = await proxy.openRoute();
    first.close();
    // no context behind the port now: whatever connects is closed unanswered
    expect(await viaProxy(first.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({
      closed: expect.not.stringMatching(/DEADLINE/),
    });
    const second = await proxy.openRoute();
    try {
      expect({ url: second.url, sameId: second.id === first.id }).toEqual({ url: first.url, sameId: false });
      expect(await viaProxy(second.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({ status: 200 });
      const since = Date.now();
      await viaProxy(second.url, 'http://127.0.0.1:1/', DEADLINE_MS); // a port the policy does not allow
      const deniedOn = (route: string) => proxy.failures.wasDenied('127.0.0.1', since, 1, { route });
      expect(await waitFor(() => deniedOn(second.id), 10_000)).toBe(true);
      expect(deniedOn(first.id)).toBe(false);
    } finally {
      second.close();
    }
  });

  it('restarts a killed proxy process on the same address: the request under it fails cleanly, the next works', async () => {
    const route = await proxy.openRoute();
    try {
      const before = proxy.restarts;
      const pid = proxy.pid!;
      const seen = evil.paths.length;
      const pending = viaProxy(route.url, evil.url('silent'), DEADLINE_MS);
      expect(await waitFor(() => evil.paths.slice(seen).includes('/silent'), 10_000)).toBe(true);
      process.kill(pid, 'SIGKILL');

      const res = await pending;
      expect(res).toMatchObject({ closed: expect.not.stringMatching(/DEADLINE/) });
      expect(res.ms).toBeLessThan(IDLE_MS + 5000);
      expect(await waitFor(() => proxy.ready && proxy.pid !== pid, 30_000)).toBe(true);
      expect(proxy.restarts).toBe(before + 1);
      expect(proxy.wasInterrupted(route.id)).toBe(true);

      // Same addresses, new process: the browser-wide one and the route both serve again.
      expect(await viaProxy(proxy.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({ status: 200 });
      expect(await viaProxy(route.url, evil.url('ok'), DEADLINE_MS)).toMatchObject({ status: 200 });
      const other = await proxy.openRoute();
      expect(proxy.wasInterrupted(other.id)).toBe(false);
      other.close();
    } finally {
      route.close();
      restarts.length = 0;
    }
  });
});
