import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * Redis must never make a capture hang or fail: commands fail at once while
 * disconnected (no offline queue, no retry of a command), a connect or a
 * command that stalls gives up after a second, and reconnects keep being
 * tried in the background. Whoever uses the client treats a failure as
 * "no Redis" (the cache bypasses, the rate limiter counts in memory).
 */
export const REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  commandTimeout: 1000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000), // keep trying, never give up
  connectionName: 'pixashot',
  // closing while Redis is away arms a timer of this length; keep shutdown prompt
  disconnectTimeout: 200,
};

/** host:port of a redis:// URL, without the password it may carry. */
export const redisAddress = (url: string) => {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '6379'}`;
};

/**
 * The app's one connection to Redis (REDIS_URL), shared by the response
 * cache and the rate limiter, and the one place that knows whether Redis is
 * up: it logs a warning when Redis goes away and a note when it is back.
 * Without REDIS_URL there is no client and `available` is false.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** The ioredis client; undefined without REDIS_URL. */
  readonly client?: Redis;
  /** host:port, for logs (never the password). */
  readonly address?: string;
  private down = false;
  private closing = false;

  constructor(config: AppConfig) {
    if (!config.REDIS_URL) return;
    this.address = redisAddress(config.REDIS_URL);
    this.client = new Redis(config.REDIS_URL, REDIS_OPTIONS);
    // without an 'error' listener ioredis prints every failed reconnect
    this.client.on('error', (err: Error) => this.markDown(err.message));
    this.client.on('close', () => this.markDown('connection closed'));
    this.client.on('ready', () => this.markUp());
  }

  /** Whether REDIS_URL is set. */
  get configured(): boolean {
    return this.client !== undefined;
  }

  /** Whether a command would be sent right now (a down Redis is skipped without a round trip). */
  get available(): boolean {
    return this.client?.status === 'ready';
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    this.closing = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    this.client.disconnect(); // also stops reconnect attempts when it never connected
  }

  private markDown(reason: string): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.logger.warn(
      `Redis at ${this.address} is unavailable (${reason}): the response cache is bypassed and rate limits are counted in memory, per replica, until it is back`,
    );
  }

  private markUp(): void {
    if (this.down) this.logger.log(`Redis at ${this.address} is back`);
    else this.logger.log(`connected to Redis at ${this.address}`);
    this.down = false;
  }
}
