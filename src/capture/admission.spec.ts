import { CapacityError, TimeoutError } from '../common/errors';
import { ClientGoneError, Deadline } from '../common/deadline';
import { Admission } from './admission';

/** Settles `promise` into a readable outcome without letting it reject the test. */
const outcome = (promise: Promise<unknown>) => {
  const state: { error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    () => Object.assign(state, { settled: true }),
    (error) => Object.assign(state, { error, settled: true }),
  );
  return state;
};
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('Admission', () => {
  it('lets maxRunning in, queues the next, and rejects beyond the queue at once', async () => {
    const admission = new Admission(1, 1);
    const release1 = await admission.enter(new Deadline(10_000));
    let secondIn = false;
    const second = admission.enter(new Deadline(10_000)).then((release) => {
      secondIn = true;
      return release;
    });
    await expect(admission.enter(new Deadline(10_000))).rejects.toBeInstanceOf(CapacityError);
    expect(admission.queuedCount).toBe(1);
    expect(secondIn).toBe(false);
    release1();
    const release2 = await second;
    expect(secondIn).toBe(true);
    expect(admission.runningCount).toBe(1);
    release2();
    expect(admission.runningCount).toBe(0);
  });

  it('gives up a queued request when its deadline passes', async () => {
    const admission = new Admission(1, 5);
    const release = await admission.enter(new Deadline(10_000));
    await expect(admission.enter(new Deadline(50))).rejects.toBeInstanceOf(CapacityError);
    expect(admission.queuedCount).toBe(0);
    release();
  });

  it('drops a queued request whose client disconnects', async () => {
    const admission = new Admission(1, 5);
    const release = await admission.enter(new Deadline(10_000));
    const abort = new AbortController();
    const waiting = admission.enter(new Deadline(10_000, abort.signal));
    abort.abort();
    await expect(waiting).rejects.toBeInstanceOf(ClientGoneError);
    expect(admission.queuedCount).toBe(0);
    release();
    expect(admission.runningCount).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const admission = new Admission(2, 0);
    const release = await admission.enter(new Deadline(10_000));
    await admission.enter(new Deadline(10_000));
    release();
    release();
    expect(admission.runningCount).toBe(1);
  });
});

describe('Admission: order and shutdown', () => {
  it('hands a freed slot straight to the first waiter, first come first served', async () => {
    const gate = new Admission(1, 5);
    const release = await gate.enter(new Deadline(10_000));
    const first = outcome(gate.enter(new Deadline(10_000)));
    const second = outcome(gate.enter(new Deadline(10_000)));
    await flush();
    release();
    await flush();
    expect(first.settled && !first.error).toBe(true);
    expect(second.settled).toBe(false);
    expect(gate.runningCount).toBe(1);
    gate.close(); // the second waiter's 10 s deadline timer would otherwise keep the worker alive
  });

  it('refuses a request whose deadline already passed', async () => {
    const deadline = new Deadline(1_000);
    jest.useFakeTimers();
    try {
      jest.advanceTimersByTime(1_000);
      await expect(new Admission(1, 1).enter(deadline)).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      jest.useRealTimers();
    }
  });

  it('on close turns away the queue and new requests, and idle() waits for running captures', async () => {
    const gate = new Admission(1, 3);
    const release = await gate.enter(new Deadline(60_000));
    const queued = outcome(gate.enter(new Deadline(60_000)));
    await flush();

    gate.close();
    await flush();
    expect(queued.error).toBeInstanceOf(CapacityError);
    expect((queued.error as CapacityError).retryAfterSeconds).toBeGreaterThan(0);
    await expect(gate.enter(new Deadline(60_000))).rejects.toThrow('shutting down');

    const idle = outcome(gate.idle());
    await flush();
    expect(idle.settled).toBe(false);
    release();
    await flush();
    expect(idle.settled).toBe(true);
    expect(gate.runningCount).toBe(0);
  });
});

describe('Deadline', () => {
  it('rejects work that outlives it with a TimeoutError', async () => {
    const deadline = new Deadline(30);
    await expect(deadline.run(new Promise(() => undefined), 'navigation')).rejects.toMatchObject({
      errorType: 'TimeoutError',
    });
  });

  it('passes through work that finishes in time', async () => {
    await expect(new Deadline(1000).run(Promise.resolve(42))).resolves.toBe(42);
  });

  it('caps a phase timeout at the time left', () => {
    const deadline = new Deadline(1000);
    expect(deadline.cap(60_000)).toBeLessThanOrEqual(1000);
    expect(deadline.cap(10)).toBe(10);
  });
});
