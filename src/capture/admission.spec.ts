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

/** Every gate a test makes, closed after it: a waiter left queued would keep its deadline timer (10 s) running past the spec. */
const gates: Admission[] = [];
const track = (gate: Admission): Admission => {
  gates.push(gate);
  return gate;
};
afterEach(() => {
  for (const gate of gates.splice(0)) gate.close();
});

describe('Admission', () => {
  it('gives asynchronous jobs only the slots synchronous requests leave free', async () => {
    const admission = track(new Admission(1, 5));
    const job1 = await admission.enterBackground(); // a free slot and nobody waiting: the job takes it
    const order: string[] = [];
    const job2 = admission.enterBackground().then((release) => (order.push('job2'), release));
    const sync = admission.enter(new Deadline(10_000)).then((release) => (order.push('sync'), release));
    await flush();
    expect(order).toEqual([]);
    job1();
    const syncRelease = await sync; // the synchronous request waited less, but it goes first
    expect(order).toEqual(['sync']);
    syncRelease();
    (await job2)();
    expect(order).toEqual(['sync', 'job2']);
    expect(admission.runningCount).toBe(0);
  });

  it('takes a waiting job out when its signal aborts, and turns jobs away once closed', async () => {
    const admission = track(new Admission(1, 5));
    const release = await admission.enter(new Deadline(10_000));
    const abort = new AbortController();
    const waiting = outcome(admission.enterBackground(abort.signal));
    abort.abort();
    await flush();
    expect(waiting.error).toBeInstanceOf(ClientGoneError);
    const queued = outcome(admission.enterBackground());
    admission.close();
    await flush();
    expect(queued.error).toBeInstanceOf(CapacityError);
    await expect(admission.enterBackground()).rejects.toBeInstanceOf(CapacityError);
    release();
    expect(admission.runningCount).toBe(0);
  });

  it('lets maxRunning in, queues the next, and rejects beyond the queue at once', async () => {
    const admission = track(new Admission(1, 1));
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
    const admission = track(new Admission(1, 5));
    const release = await admission.enter(new Deadline(10_000));
    await expect(admission.enter(new Deadline(50))).rejects.toBeInstanceOf(CapacityError);
    expect(admission.queuedCount).toBe(0);
    release();
  });

  it('drops a queued request whose client disconnects', async () => {
    const admission = track(new Admission(1, 5));
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
    const admission = track(new Admission(2, 0));
    const release = await admission.enter(new Deadline(10_000));
    await admission.enter(new Deadline(10_000));
    release();
    release();
    expect(admission.runningCount).toBe(1);
  });
});

describe('Admission: order and shutdown', () => {
  it('hands a freed slot straight to the first waiter, first come first served', async () => {
    const gate = track(new Admission(1, 5));
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
      await expect(track(new Admission(1, 1)).enter(deadline)).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      jest.useRealTimers();
    }
  });

  it('on close turns away the queue and new requests, and idle() waits for running captures', async () => {
    const gate = track(new Admission(1, 3));
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

describe('Admission: fair shares', () => {
  const fair = { principalSharePercent: 50, signedPerIp: 1 };
  const a = { principal: 'token:a' };
  const b = { principal: 'token:b' };

  it('keeps one principal to its share of the running slots, leaving the rest to others', async () => {
    const admission = track(new Admission(4, 8, fair));
    await admission.enter(new Deadline(10_000), a);
    await admission.enter(new Deadline(10_000), a);
    const third = outcome(admission.enter(new Deadline(10_000), a)); // over a's 2 slots: waits
    await flush();
    expect(third.settled).toBe(false);
    // b gets in at once although a waits ahead of it: a is held by its own share, not by the gate
    await admission.enter(new Deadline(10_000), b);
    await admission.enter(new Deadline(10_000), b);
    expect(admission.runningCount).toBe(4);
    expect(admission.queuedCount).toBe(1);
  });

  it('keeps one principal to its share of the queue: 503 at once beyond it, while others still queue', async () => {
    const admission = track(new Admission(2, 4, fair));
    await admission.enter(new Deadline(10_000), a);
    const queued = [
      outcome(admission.enter(new Deadline(10_000), a)),
      outcome(admission.enter(new Deadline(10_000), a)),
    ];
    await flush();
    await expect(admission.enter(new Deadline(10_000), a)).rejects.toThrow(/share of the queue is full/);
    expect(queued.every((q) => !q.settled)).toBe(true);
    await admission.enter(new Deadline(10_000), b); // the free slot is b's
    const bQueued = outcome(admission.enter(new Deadline(10_000), b));
    await flush();
    expect(bQueued.settled).toBe(false);
    expect(admission.queuedCount).toBe(3);
  });

  it('hands a freed slot to the first waiter whose share allows it, skipping the one held by its own', async () => {
    const admission = track(new Admission(2, 4, fair));
    const releaseA = await admission.enter(new Deadline(10_000), a);
    const releaseB = await admission.enter(new Deadline(10_000), b);
    const order: string[] = [];
    const aWaits = admission.enter(new Deadline(10_000), a).then((r) => (order.push('a'), r));
    const bWaits = admission.enter(new Deadline(10_000), b).then((r) => (order.push('b'), r));
    releaseB(); // b's slot frees: a is first in the queue but at its share, so b's waiter goes
    await flush();
    expect(order).toEqual(['b']);
    releaseA();
    await flush();
    expect(order).toEqual(['b', 'a']);
    (await aWaits)();
    (await bWaits)();
    expect(admission.runningCount).toBe(0);
    expect(admission.queuedCount).toBe(0);
  });

  it('limits signed URLs per client address on top of the signing key', async () => {
    const admission = track(new Admission(4, 4, { principalSharePercent: 100, signedPerIp: 1 }));
    const fromX = { principal: 'signed:k', signedFrom: '192.0.2.1' };
    const fromY = { principal: 'signed:k', signedFrom: '192.0.2.2' };
    await admission.enter(new Deadline(10_000), fromX);
    const second = outcome(admission.enter(new Deadline(10_000), fromX));
    await flush();
    expect(second.settled).toBe(false);
    await expect(admission.enter(new Deadline(10_000), fromX)).rejects.toThrow(/share of the queue is full/);
    await admission.enter(new Deadline(10_000), fromY);
    expect(admission.runningCount).toBe(2);
  });

  it('gives every principal at least one slot and one queue place, and none without fair shares', async () => {
    const tiny = track(new Admission(1, 1, { principalSharePercent: 1, signedPerIp: 1 }));
    await tiny.enter(new Deadline(10_000), a);
    expect(tiny.bucketsOf(a)).toEqual([{ key: 'principal:token:a', maxRunning: 1, maxQueued: 1 }]);
    expect(track(new Admission(4, 4)).bucketsOf(a)).toEqual([]);
    const open = track(new Admission(2, 0, fair));
    expect(open.bucketsOf(undefined)).toEqual([]);
  });
});
