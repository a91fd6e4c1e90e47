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
 */
export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];
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

  /** Stops admitting: later `enter` calls and everyone still queued get a 503 at once. */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.fail(shuttingDown());
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
      const next = this.queue.shift();
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
