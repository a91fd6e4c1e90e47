import { ClientGoneError, Deadline } from '../common/deadline';
import { CapacityError, TimeoutError } from '../common/errors';
import { Admission } from './admission';

/** Settles `promise` into a readable outcome without letting it reject the test. */
const outcome = (promise: Promise<unknown>) => {
  const state: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error) => Object.assign(state, { error, settled: true }),
  );
  return state;
};
const flush = () => new Promise((resolve) => jest.requireActual('timers').setImmediate(resolve));

describe('Admission', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs up to the limit at once and queues the next ones first come, first served', async () => {
    const gate = new Admission(2, 5);
    const releaseA = await gate.enter(new Deadline(10_000));
    const releaseB = await gate.enter(new Deadline(10_000));
    expect(gate.runningCount).toBe(2);

    const c = outcome(gate.enter(new Deadline(10_000)));
    const d = outcome(gate.enter(new Deadline(10_000)));
    await flush();
    expect(gate.queuedCount).toBe(2);
    expect(c.settled || d.settled).toBe(false);

    releaseA();
    await flush();
    expect(c.settled).toBe(true);
    expect(d.settled).toBe(false);
    expect(gate.runningCount).toBe(2); // the slot went straight to C

    releaseB();
    await flush();
    expect(d.settled).toBe(true);
    expect(gate.queuedCount).toBe(0);
  });

  it('answers CapacityError at once when the queue is full', async () => {
    const gate = new Admission(1, 1);
    await gate.enter(new Deadline(10_000));
    void gate.enter(new Deadline(10_000)).catch(() => undefined);
    await expect(gate.enter(new Deadline(10_000))).rejects.toBeInstanceOf(CapacityError);
  });

  it('with MAX_QUEUE 0 turns away everything beyond the running limit', async () => {
    const gate = new Admission(1, 0);
    await gate.enter(new Deadline(10_000));
    await expect(gate.enter(new Deadline(10_000))).rejects.toThrow('queue is full');
  });

  it('lets a waiter leave with 503 when its deadline passes in the queue, and frees its place', async () => {
    const gate = new Admission(1, 1);
    const release = await gate.enter(new Deadline(60_000));
    const waiting = outcome(gate.enter(new Deadline(3_000)));
    await flush();
    jest.advanceTimersByTime(3_000);
    await flush();
    expect(waiting.error).toBeInstanceOf(CapacityError);
    expect(gate.queuedCount).toBe(0);
    release();
    expect(gate.runningCount).toBe(0);
  });

  it('drops a waiter whose client disconnects, without giving it a slot', async () => {
    const gate = new Admission(1, 2);
    const release = await gate.enter(new Deadline(60_000));
    const abort = new AbortController();
    const gone = outcome(gate.enter(new Deadline(60_000, abort.signal)));
    const next = outcome(gate.enter(new Deadline(60_000)));
    await flush();
    abort.abort();
    await flush();
    expect(gone.error).toBeInstanceOf(ClientGoneError);
    release();
    await flush();
    expect(next.settled && !next.error).toBe(true);
  });

  it('refuses a request whose deadline already passed', async () => {
    const gate = new Admission(1, 1);
    const deadline = new Deadline(1_000);
    jest.advanceTimersByTime(1_000);
    await expect(gate.enter(deadline)).rejects.toBeInstanceOf(TimeoutError);
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
    release(); // a second release is ignored
    await flush();
    expect(idle.settled).toBe(true);
    expect(gate.runningCount).toBe(0);
  });
});
