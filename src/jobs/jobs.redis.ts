import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/** Bounds for the job store's commands: an API call never hangs on a slow or absent Redis. */
const STORE_COMMAND_TIMEOUT_MS = 2000;

/**
 * The one place the jobs module makes Redis connections, all from REDIS_URL.
 * The store's client answers the API and gives up after a bound; BullMQ's
 * connections wait for Redis as long as it takes (its blocking commands
 * need `maxRetriesPerRequest: null`), since a worker must outlive a Redis
 * restart.
 */
export class JobsRedis {
  constructor(private readonly config: AppConfig) {}

  /** The job store's client. */
  storeClient(): Redis {
    return this.connect('pixashot-jobs', {
      maxRetriesPerRequest: 1,
      commandTimeout: STORE_COMMAND_TIMEOUT_MS,
    });
  }

  /** A connection for a BullMQ Queue or Worker (a Worker duplicates it for its blocking client). */
  bullConnection(name: string): Redis {
    return this.connect(name, { maxRetriesPerRequest: null, enableReadyCheck: false });
  }

  private connect(name: string, options: RedisOptions): Redis {
    const client = new Redis(this.config.REDIS_URL!, {
      connectionName: name,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5000), // keep trying, never give up
      disconnectTimeout: 200,
      ...options,
    });
    client.on('error', () => undefined); // reconnects are logged by health and by failing calls, not per attempt
    return client;
  }
}
