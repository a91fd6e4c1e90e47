import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue, Worker } from 'bullmq';
import { ValidationError } from '../common/errors';
import { toList } from '../common/text-values';
import { AppConfig } from '../config/app-config';
import { EgressDeniedError } from '../egress/egress.errors';
import { NetworkPolicy, resolveAndCheck, ResolvedTarget } from '../egress/network-policy';
import { resultUrlOf, WebhookTarget } from './job.types';
import { JobsMetrics } from './jobs.metrics';
import { bullmq, loadBullmq } from './bullmq';
import { closeBullmq, JobsRedis, throttledWarning } from './jobs.redis';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';

export interface WebhookEvent {
  event: 'capture.succeeded' | 'capture.failed' | 'capture.cancelled';
  id: string;
  status: string;
  metadata?: unknown;
  error?: unknown;
  result_url: string;
}

interface DeliveryData {
  url: string;
  headers?: Record<string, string>;
  /** The JSON body, serialised once: every attempt sends (and signs) the same bytes. */
  body: string;
  job_id: string;
}

/** First retry after this; each next one waits twice as long (BullMQ's exponential backoff). */
const FIRST_RETRY_DELAY_MS = 1000;
const DELIVERY_CONCURRENCY = 8;

/**
 * Webhook deliveries: a BullMQ queue of their own, so a delivery that fails
 * is retried with exponential backoff (1 s, 2 s, 4 s...) up to
 * WEBHOOK_MAX_ATTEMPTS, by whichever replica is up. Targets obey the
 * network policy (NETWORK_DENY, the SSRF defaults) with their own allow list
 * WEBHOOK_ALLOW; the connection goes to the address that was checked, never
 * to a second lookup of the name.
 */
@Injectable()
export class WebhookService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly policy: NetworkPolicy;
  private queue?: Queue<DeliveryData>;
  private worker?: Worker<DeliveryData>;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: JobsRedis,
    private readonly metrics: JobsMetrics,
  ) {
    this.policy = new NetworkPolicy({
      allow: toList(config.WEBHOOK_ALLOW),
      deny: toList(config.NETWORK_DENY),
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.asyncEnabled) return;
    const { Queue, Worker } = await loadBullmq();
    this.queue = new Queue<DeliveryData>('webhooks', {
      connection: this.redis.bullConnection('pixashot-webhooks'),
      prefix: 'pixashot',
    });
    this.worker = new Worker<DeliveryData>('webhooks', (job) => this.deliver(job), {
      connection: this.redis.bullConnection('pixashot-webhooks-worker'),
      prefix: 'pixashot',
      concurrency: DELIVERY_CONCURRENCY,
    });
    this.queue.on('error', throttledWarning(this.logger, 'webhook queue'));
    this.worker.on('error', throttledWarning(this.logger, 'webhook worker'));
  }

  /** At submit: a webhook_url the policy refuses (or that cannot be signed) is a 400 before anything is queued. */
  async checkTarget(url: string, field = 'webhook_url'): Promise<void> {
    if (!this.config.WEBHOOK_SIGNING_SECRET) {
      throw new ValidationError(`${field}: webhooks need WEBHOOK_SIGNING_SECRET to be set on the service`);
    }
    try {
      await this.resolve(url);
    } catch (err) {
      if (err instanceof EgressDeniedError) {
        throw new ValidationError(
          `${field}: ${err.host} is not allowed by the network policy (${err.reason})`,
        );
      }
      throw new ValidationError(`${field}: ${(err as Error).message}`); // does not resolve
    }
  }

  /** Queues the delivery of `event` to `target`. */
  async send(target: WebhookTarget, event: WebhookEvent): Promise<void> {
    if (!this.queue) return;
    await this.queue.add(
      'deliver',
      { url: target.url, headers: target.headers, body: JSON.stringify(event), job_id: event.id },
      {
        attempts: this.config.WEBHOOK_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: FIRST_RETRY_DELAY_MS },
        removeOnComplete: true,
        removeOnFail: { age: this.config.JOB_RESULT_TTL },
      },
    );
  }

  private async deliver(job: Job<DeliveryData>): Promise<void> {
    const { job_id } = job.data;
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let status: number;
    try {
      status = await this.post(job.data);
    } catch (err) {
      if (err instanceof EgressDeniedError) {
        this.metrics.webhookDeliveries.inc({ outcome: 'denied' });
        this.logger.warn({ job_id, reason: err.reason }, 'webhook target refused by the network policy');
        throw new (bullmq().UnrecoverableError)(err.message);
      }
      this.record(job_id, last, `no answer: ${(err as Error).message}`);
      throw err;
    }
    if (status >= 200 && status < 300) {
      this.metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      this.logger.log({ job_id, status, attempt: job.attemptsMade + 1 }, 'webhook delivered');
      return;
    }
    this.record(job_id, last, `HTTP ${status}`);
    throw new Error(`webhook answered HTTP ${status}`);
  }

  private record(jobId: string, last: boolean, what: string): void {
    this.metrics.webhookDeliveries.inc({ outcome: last ? 'failed' : 'retried' });
    const message = last
      ? 'webhook delivery failed, no attempts left'
      : 'webhook delivery failed, will retry';
    this.logger.warn({ job_id: jobId, answer: what }, message);
  }

  private async resolve(url: string): Promise<{ parsed: URL; target: ResolvedTarget }> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('must be http or https');
    const port = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
    return { parsed, target: await resolveAndCheck(parsed.hostname, port, this.policy) };
  }

  /** One POST; resolves with the status. The connection goes to the checked address (no second lookup). */
  private async post({ url, headers, body }: DeliveryData): Promise<number> {
    const { parsed, target } = await this.resolve(url);
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const timestamp = Math.floor(Date.now() / 1000);
    const client = parsed.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      const req = client.request(
        parsed,
        {
          method: 'POST',
          lookup,
          timeout: this.config.WEBHOOK_TIMEOUT_MS,
          headers: {
            ...headers,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'User-Agent': 'Pixashot-Webhook/1',
            [SIGNATURE_HEADER]: signWebhook(this.config.WEBHOOK_SIGNING_SECRET!, body, timestamp),
          },
        },
        (res) => {
          res.resume(); // the answer's body is not needed
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer within ${this.config.WEBHOOK_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Deliveries in flight finish (bounded by WEBHOOK_TIMEOUT_MS); queued ones wait for any replica. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.worker) await closeBullmq(this.worker, this.redis.available);
    if (this.queue) await closeBullmq(this.queue, this.redis.available);
  }
}

export const webhookEventOf = (
  id: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  extra: { metadata?: unknown; error?: unknown },
): WebhookEvent => ({
  event: `capture.${status}`,
  id,
  status,
  ...extra,
  result_url: resultUrlOf(id),
});
