import { CapacityError } from '../common/errors';
import { ClientGoneError, Deadline } from '../common/deadline';

interface Waiter {
  grant: () => void;
  fail: (err: Error) => void;
}

/**
 * Admission control: at most `maxRunning` captures at once, at most
 * `maxQueue` waiting (first come, first served), and beyond that an
 * immediate CapacityError. A waiter leaves the queue when its deadline
 * passes or its client disconnects.
 */
export class Admission {
  private running = 0;
  private readonly queue: Waiter[] = [];

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

  /** Resolves with a release function once the capture may run. Call release exactly once. */
  async enter(deadline: Deadline): Promise<() => void> {
    deadline.check();
    if (this.running < this.maxRunning && this.queue.length === 0) {
      this.running++;
      return this.releaser();
    }
    if (this.queue.length >= this.maxQueue) {
      throw new CapacityError(`All ${this.maxRunning} capture slots are busy and the queue is full`, 1);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve();
        },
        fail: (err) => {
          cleanup();
          reject(err);
        },
      };
      const leave = (err: Error) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        waiter.fail(err);
      };
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

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next)
        next.grant(); // the slot passes straight to the next waiter
      else this.running--;
    };
  }
}
