import { EgressFailure, EgressFailureLog, RouteFilter } from './egress-failure-log';
import { EgressTargetGuard } from './egress-target-guard';
import type { EgressService } from './egress.service';

/** The slice of EgressService the guard uses, over a real failure log. */
function fakeEgress(log: EgressFailureLog, interrupted: string[] = []): EgressService {
  return {
    wasDenied: (host: string, since: number, port?: number, of?: RouteFilter) =>
      log.wasDenied(host, since, port, of),
    recentDenials: (since: number, of?: RouteFilter) =>
      log.recent(since, of).filter((f) => f.outcome === 'denied'),
    wasInterrupted: (route: string) => interrupted.includes(route),
  } as unknown as EgressService;
}

const denial = (route: string | undefined, host: string, port: number): EgressFailure => ({
  at: Date.now(),
  outcome: 'denied',
  kind: 'connect',
  host,
  port,
  reason: 'loopback',
  route,
});

describe('EgressTargetGuard: each capture answers for its own connections', () => {
  it("does not see another capture's refusal of the same host and port", () => {
    const log = new EgressFailureLog();
    const guard = new EgressTargetGuard(fakeEgress(log));
    const since = Date.now() - 1;
    log.add(denial('r1', '10.0.0.1', 443));

    expect(guard.wasDenied('r1', 'https://10.0.0.1/', since)).toBe(true);
    expect(guard.wasDenied('r2', 'https://10.0.0.1/', since)).toBe(false);
    expect(guard.deniedSince('r1', since)).toBe(true);
    expect(guard.deniedSince('r2', since)).toBe(false);
    // the browser-wide route (no capture's own) is a route of its own too
    expect(guard.wasDenied(undefined, 'https://10.0.0.1/', since)).toBe(false);
    expect(guard.deniedSince(undefined, since)).toBe(false);
  });

  it('still decides by host, port and time within one capture', () => {
    const log = new EgressFailureLog();
    const guard = new EgressTargetGuard(fakeEgress(log));
    const since = Date.now() - 1;
    log.add(denial('r1', '10.0.0.1', 8080));

    expect(guard.wasDenied('r1', 'http://10.0.0.1:8080/x', since)).toBe(true);
    expect(guard.wasDenied('r1', 'http://0x0a000001:8080/x', since)).toBe(true); // any spelling
    expect(guard.wasDenied('r1', 'http://10.0.0.1/x', since)).toBe(false); // another port
    expect(guard.wasDenied('r1', 'http://10.0.0.2:8080/x', since)).toBe(false); // another host
    expect(guard.wasDenied('r1', 'http://10.0.0.1:8080/x', Date.now() + 1)).toBe(false); // before `since`
    expect(guard.wasDenied('r1', 'about:blank', since)).toBe(false);
  });

  it('reports a proxy restart only to the captures whose connections it carried', () => {
    const guard = new EgressTargetGuard(fakeEgress(new EgressFailureLog(), ['r1']));
    expect(guard.wasInterrupted('r1')).toBe(true);
    expect(guard.wasInterrupted('r2')).toBe(false);
    expect(guard.wasInterrupted(undefined)).toBe(false);
  });
});

describe('EgressFailureLog', () => {
  it('counts every refusal, keeps a bounded record, and selects by route', () => {
    const log = new EgressFailureLog(2, 60_000);
    log.add(denial('r1', 'a.test', 80));
    log.add(denial('r2', 'b.test', 80));
    log.add({ ...denial(undefined, 'c.test', 80), outcome: 'connect-error' });
    expect(log.deniedTotal).toBe(2);
    expect(log.recent(0).map((f) => f.host)).toEqual(['b.test', 'c.test']);
    expect(log.recent(0, { route: 'r2' }).map((f) => f.host)).toEqual(['b.test']);
    expect(log.recent(0, { route: undefined }).map((f) => f.host)).toEqual(['c.test']);
  });

  it('forgets what is older than its time to live', () => {
    const log = new EgressFailureLog(10, 1000);
    log.add({ ...denial('r1', 'old.test', 80), at: Date.now() - 5000 });
    log.add(denial('r1', 'new.test', 80));
    expect(log.recent(0).map((f) => f.host)).toEqual(['new.test']);
    expect(log.deniedTotal).toBe(2);
  });
});
