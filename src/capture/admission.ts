import { Provider } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { CapacityError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ClientGoneError, Deadline } from '../common/deadline';

interface Waiter {
  buckets: Bucket[];
  grant: () => void;
  fail: (err: Error) => void;
}

/** A count that one caller shares with others: its running captures and its places in the queue. */
export interface Bucket {
  /** "principal:token:ab12...", "signed-ip:192.0.2.1"... */
  key: string;
  maxRunning: number;
  maxQueued: number;
}

/** Fair shares of the gate (MAX_PRINCIPAL_SHARE, MAX_SIGNED_PER_IP). */
export interface FairShare {
  /** Percent of the running slots and of the queue one principal may hold. */
  principalSharePercent: number;
  /** Running (and queued) signed-URL captures per client address. */
  signedPerIp: number;
}

/** Who a capture is for: the principal the auth guard chose, and for signed URLs the client address. */
export interface Claimant {
  principal: string;
  signedFrom?: string;
}

/** The claimant of a request the auth guard admitted as `principal`, from `clientIp`. */
export function claimantOf(principal: Principal | undefined, clientIp: string): Claimant {
  if (!principal) return { principal: `client:${clientIp}` };
  switch (principal.kind) {
    case 'token':
      return { principal: `token:${principal.tokenId}` };
    case 'signed':
      return { principal: `signed:${principal.keyId}`, signedFrom: clientIp };
    case 'client':
      return { principal: `client:${principal.ip}` };
  }
}

/** Seconds a client is told to wait when this replica is going away: long enough for another to take over. */
const SHUTDOWN_RETRY_AFTER_S = 5;

/**
 * Admission control: at most `maxRunning` captures at once, at most
 * `maxQueue` waiting (first come, first served), and beyond that an
 * immediate CapacityError. A waiter leaves the queue when its deadline
 * passes or its client disconnects. On shutdown the gate closes: nothing
 * new starts, the queue is turned away, running captures may finish.
 *
 * Fair shares: with `fair`, each claimant's principal may hold at most its
 * share of the running slots and of the queue, and a signed URL's client
 * address at most `signedPerIp` of each, so one caller whose pages never
 * finish cannot take every slot. A waiter held back by its own share lets
 * the waiters behind it pass.
 */
export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** Asynchronous jobs waiting for a slot: served only when no synchronous request can take it. */
  private readonly background: { grant: () => void; fail: (err: Error) => void }[] = [];
  private readonly closing = new AbortController();
  private closed = false;
  /** Resolved whenever `running` drops to zero; see `idle()`. */
  private idleWaiters: (() => void)[] = [];
  /** Running and queued captures of each bucket that has any. */
  private readonly counts = new Map<string, { running: number; queued: number }>();

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueue: number,
    private readonly fair?: FairShare,
  ) {}

  /** The buckets a claimant counts against; none without fair shares or a claimant. */
  bucketsOf(claimant: Claimant | undefined): Bucket[] {
    if (!this.fair || !claimant) return [];
    const share = (max: number) => Math.max(1, Math.floor((max * this.fair!.principalSharePercent) / 100));
    const buckets: Bucket[] = [
      {
        key: `principal:${claimant.principal}`,
        maxRunning: share(this.maxRunning),
        maxQueued: share(this.maxQueue),
      },
    ];
    if (claimant.signedFrom !== undefined) {
      const perIp = this.fair.signedPerIp;
      buckets.push({ key: `signed-ip:${claimant.signedFrom}`, maxRunning: perIp, maxQueued: perIp });
    }
    return buckets;
  }

  get runningCount(): number {
    return this.running;
  }

  /** True once shutdown closed the gate. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Aborted when the gate closes: long-running users (asynchronous jobs) hand their work back at once. */
  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /**
   * Resolves with a release function once the capture may run. Call release
   * exactly once (extra calls are ignored).
   */
  async enter(deadline: Deadline, claimant?: Claimant): Promise<() => void> {
    deadline.check();
    if (this.closed) throw shuttingDown();
    const buckets = this.bucketsOf(claimant);
    // A free slot is never left to a waiter that could take it (release hands it on at once), so a
    // claimant within its share may start even with waiters queued: those are held by their own share.
    if (this.mayRun(buckets)) {
      this.start(buckets);
      return this.releaser(buckets);
    }
    if (this.queue.length >= this.maxQueue) {
      throw new CapacityError(`All ${this.maxRunning} capture slots are busy and the queue is full`, 1);
    }
    const full = buckets.find((b) => this.countOf(b.key).queued >= b.maxQueued);
    if (full) {
      throw new CapacityError(
        `This caller's share of the queue is full (${full.maxQueued} waiting): its captures are taking all of its ${full.maxRunning} slot(s)`,
        1,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (err: Error) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.count(buckets, 'queued', -1);
        }
        cleanup();
        reject(err);
      };
      const waiter: Waiter = {
        buckets,
        grant: () => {
          cleanup();
          resolve();
        },
        fail: leave,
      };
      // The queue wait is part of the request's budget: when it runs out the client hears 503 (retry elsewhere).
      const timer = setTimeout(
        () => leave(new CapacityError('No capture slot became free before the request deadline', 2)),
        deadline.remaining(),
      );
      const onAbort = () => leave(new ClientGoneError());
      const cleanup = () => {
        clearTimeout(timer);
        deadline.signal?.removeEventListener('abort', onAbort);
      };
      deadline.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.count(buckets, 'queued', +1);
    });
    return this.releaser(buckets);
  }

  /**
   * For asynchronous jobs: resolves with a release function once a slot is
   * free and no synchronous request is waiting that could take it; a freed
   * slot always goes to a waiting synchronous request first. No deadline (a
   * job may wait as long as synchronous traffic keeps the slots); `signal`
   * takes it out. Jobs count against the global limits only.
   */
  async enterBackground(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new ClientGoneError();
    if (this.closed) throw shuttingDown();
    if (this.running < this.maxRunning && !this.queue.some((w) => this.mayRun(w.buckets))) {
      this.start([]);
      return this.releaser([]);
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => leave(new ClientGoneError());
      const leave = (err: Error) => {
        const i = this.background.indexOf(waiter);
        if (i >= 0) this.background.splice(i, 1);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: leave,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.background.push(waiter);
    });
    return this.releaser([]);
  }

  /** Stops admitting: later `enter` calls and everyone still queued get a 503 at once. */
  close(): void {
    this.closed = true;
    this.closing.abort();
    for (const waiter of [...this.queue, ...this.background]) waiter.fail(shuttingDown());
  }

  /** Resolves when no capture is running (at once if none is). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private mayRun(buckets: Bucket[]): boolean {
    return this.running < this.maxRunning && buckets.every((b) => this.countOf(b.key).running < b.maxRunning);
  }

  private start(buckets: Bucket[]): void {
    this.running++;
    this.count(buckets, 'running', +1);
  }

  private countOf(key: string) {
    return this.counts.get(key) ?? { running: 0, queued: 0 };
  }

  private count(buckets: Bucket[], what: 'running' | 'queued', delta: number): void {
    for (const { key } of buckets) {
      const count = this.countOf(key);
      count[what] += delta;
      if (count.running === 0 && count.queued === 0) this.counts.delete(key);
      else this.counts.set(key, count);
    }
  }

  private releaser(buckets: Bucket[]): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.count(buckets, 'running', -1);
      this.admitWaiters();
      if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  /** Hands free slots to the first waiters whose shares allow them to run, in queue order. */
  private admitWaiters(): void {
    for (let i = 0; i < this.queue.length && this.running < this.maxRunning;) {
      const waiter = this.queue[i];
      if (!this.mayRun(waiter.buckets)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.count(waiter.buckets, 'queued', -1);
      this.start(waiter.buckets);
      waiter.grant();
    }
    // What synchronous requests cannot take goes to asynchronous jobs.
    while (this.running < this.maxRunning && this.background.length > 0) {
      this.start([]);
      this.background.shift()!.grant();
    }
  }
}

const shuttingDown = () => new CapacityError('The service is shutting down', SHUTDOWN_RETRY_AFTER_S);

/**
 * The one Admission of the app, sized by MAX_CONCURRENT_CAPTURES and MAX_QUEUE, with the fair shares
 * of MAX_PRINCIPAL_SHARE and MAX_SIGNED_PER_IP; CaptureModule exports it.
 */
export const admissionProvider: Provider = {
  provide: Admission,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => {
    // with one token and no signing key there is only one principal, nobody to share with
    const onePrincipal = config.authTokens.length === 1 && !config.URL_SIGNING_SECRET;
    return new Admission(
      config.MAX_CONCURRENT_CAPTURES,
      config.MAX_QUEUE,
      onePrincipal
        ? undefined
        : { principalSharePercent: config.MAX_PRINCIPAL_SHARE, signedPerIp: config.MAX_SIGNED_PER_IP },
    );
  },
};
