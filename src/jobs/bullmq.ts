import type * as BullMQ from 'bullmq';

let loaded: typeof BullMQ | undefined;

/**
 * BullMQ, loaded when asynchronous captures start on this replica: a replica
 * with ASYNC_ENABLED off or without Redis never carries its ~200 modules
 * (~5 MiB of heap).
 */
export async function loadBullmq(): Promise<typeof BullMQ> {
  return (loaded ??= await import('bullmq'));
}

/** The module loadBullmq loaded, for code that only runs after it (a queue's processor). */
export function bullmq(): typeof BullMQ {
  if (!loaded) throw new Error('BullMQ used before loadBullmq()');
  return loaded;
}
