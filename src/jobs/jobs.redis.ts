import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { settledWithin } from '../common/timing';
import { RedisConnection } from '../redis/redis.connection';

/**
 * The jobs module's Redis connections, all from the app's one
 * RedisConnection. The job store uses its client as it is (commands fail
 * at once while Redis is away: the API answers 503). BullMQ gets duplicates
 * that wait for Redis as long as it takes, as BullMQ requires
 * (`maxRetriesPerRequest: null`, an offline queue, no command timeout: its
 * blocking commands wait on purpose), so a worker outlives a Redis restart.
 */
export class JobsRedis {
  private readonly opened: Redis[] = [];

  constructor(private readonly connection: RedisConnection) {}

  /** Whether Redis answers right now (the app's RedisConnection watches it). */
  get available(): boolean {
    return this.connection.available;
  }

  /** The job store's client (undefined without REDIS_URL). */
  get storeClient(): Redis | undefined {
    return this.connection.client;
  }

  /** A connection for a BullMQ Queue or Worker (a Worker duplicates it again for its blocking client). */
  bullConnection(name: string): Redis {
    const client = this.connection.client!.duplicate({
      connectionName: name,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      commandTimeout: undefined,
      enableReadyCheck: false,
    });
    client.on('error', () => undefined); // RedisConnection reports outages; BullMQ reconnects by itself
    this.opened.push(client);
    return client;
  }

  /** BullMQ leaves connections it was given open: closed here once queues and workers have stopped. */
  async close(): Promise<void> {
    await Promise.all(
      this.opened.splice(0).map(async (client) => {
        if (client.status === 'ready') await client.quit().catch(() => undefined);
        client.disconnect();
      }),
    );
  }
}

/** How long closing a BullMQ queue or worker may take before its connections are cut (Redis may be away). */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Closes a BullMQ Queue or Worker. With Redis up, gracefully (a worker lets
 * its running jobs finish); if that does not end in time, its connections are
 * cut. With Redis away, a graceful close cannot end: BullMQ waits for the
 * blocking connection's 'end' event, which an ioredis client waiting to
 * reconnect never emits (BullMQ #4656, ioredis #1247), and the worker's
 * lock-renewal and stalled-check timers, stopped only after that wait, keep
 * the process alive. So then the worker is closed with `force` (a Queue
 * ignores the flag): nothing a running job would write could reach Redis
 * anyway, and its lock expires, so another replica's stalled check takes it.
 * What BullMQ still holds then is the watchdog of its last blocking wait
 * (the worker's drain delay plus a second, 6 s), which ends by itself: the
 * command it guards was parked by ioredis for a reconnect and is never
 * settled. (Redis going away during a graceful close still leaves the
 * lock-renewal timer to the process's exit.)
 */
export async function closeBullmq(
  target: { close(force?: boolean): Promise<void>; disconnect(): Promise<void> },
  redisUp: boolean,
): Promise<void> {
  const closed = await settledWithin(
    target.close(!redisUp).then(() => true),
    CLOSE_TIMEOUT_MS,
  ).catch(() => undefined);
  if (!closed) await settledWithin(target.disconnect(), CLOSE_TIMEOUT_MS).catch(() => undefined);
}

/** A warning at most once per interval: a Redis outage makes BullMQ report every reconnect attempt. */
export function throttledWarning(logger: Logger, what: string, everyMs = 30_000): (err: Error) => void {
  let lastAt = 0;
  return (err) => {
    if (Date.now() - lastAt < everyMs) return;
    lastAt = Date.now();
    logger.warn(`${what}: ${err.message}`);
  };
}
