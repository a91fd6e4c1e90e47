import { Provider } from '@nestjs/common';
import { CapacityError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ClientGoneError, Deadline } from '../common/deadline';

interface Waiter {
  grant: () => void;
  fail: (err: Error) => void;
}

/** Seconds a client is told to wait when this replica is going away: long enough for another to take over. */
const SHUTDOWN_RETRY_AFTER_S = 5;

/**
 * Admission control: at most `maxRunning` captures at once, at most
 * `maxQueue` waiting (first come, first served), and beyond that an
 * immediate CapacityError. A waiter leaves the queue when its deadline
 * passes or its client disconnects. On shutdown the gate closes: nothing
 * new starts, the queue is turned away, running captures may finish.
 * Asynchronous jobs enter through `enterBackground`: they take only the
 * slots synchronous requests leave free.
 */
export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];
  /** Asynchronous jobs waiting for a slot: served only when no synchronous request waits. */
  private readonly background: Waiter[] = [];
  private closed = false;
  /** Resolved whenever `running` drops to zero; see `idle()`. */
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueue: number,
  ) {}

  get runningCount(): number {
    return this.running;
  }

  private readonly closing = new AbortController();

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

  /** Resolves with a release function once the capture may run. Call release exactly once (extra calls are ignored). */
  async enter(deadline: Deadline): Promise<() => void> {
    deadline.check();
    if (this.closed) throw shuttingDown();
    if (this.running < this.maxRunning && this.queue.length === 0) {
      this.running++;
      return this.releaser();
    }
    if (this.queue.length >= this.maxQueue) {
      throw new CapacityError(`All ${this.maxRunning} capture slots are busy and the queue is full`, 1);
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (err: Error) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        cleanup();
        reject(err);
      };
      const waiter: Waiter = {
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
    });
    return this.releaser();
  }

  /**
   * For asynchronous jobs: resolves with a release function once a slot is
   * free and no synchronous request is waiting for one; a freed slot always
   * goes to a waiting synchronous request first. No deadline (a job may wait
   * as long as synchronous traffic keeps the slots); `signal` takes it out.
   */
  async enterBackground(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new ClientGoneError();
    if (this.closed) throw shuttingDown();
    if (this.running < this.maxRunning && this.queue.length === 0) {
      this.running++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const leave = (err: Error) => {
        const i = this.background.indexOf(waiter);
        if (i >= 0) this.background.splice(i, 1);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: leave,
      };
      const onAbort = () => leave(new ClientGoneError());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.background.push(waiter);
    });
    return this.releaser();
  }

  /** Stops admitting: later `enter` calls and everyone still queued get a 503 at once. */
  close(): void {
    this.closed = true;
    this.closing.abort();
    for (const waiter of [...this.queue.splice(0), ...this.background.splice(0)]) waiter.fail(shuttingDown());
  }

  /** Resolves when no capture is running (at once if none is). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift() ?? this.background.shift(); // synchronous requests first
      if (next) {
        next.grant(); // the slot passes straight to the next waiter
        return;
      }
      this.running--;
      if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }
}

const shuttingDown = () => new CapacityError('The service is shutting down', SHUTDOWN_RETRY_AFTER_S);

/** The one Admission of the app, sized by MAX_CONCURRENT_CAPTURES and MAX_QUEUE; CaptureModule exports it. */
export const admissionProvider: Provider = {
  provide: Admission,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => new Admission(config.MAX_CONCURRENT_CAPTURES, config.MAX_QUEUE),
};
