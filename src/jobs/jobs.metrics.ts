import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor } from '../metrics/metrics-contributor';

/** Queue states reported by pixashot_jobs (BullMQ's names). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'] as const;

/**
 * The jobs module's Prometheus series: the queue's depth by state (read
 * from Redis at scrape time, the number KEDA scales on), how long jobs
 * take, and webhook deliveries by outcome. The worker and the webhook
 * sender observe into the histogram and counter held here.
 */
@Injectable()
@ContributesMetrics()
export class JobsMetrics implements MetricsContributor {
  readonly jobDuration = new Histogram({
    name: 'pixashot_job_duration_seconds',
    help: 'Capture attempts of asynchronous jobs run by this replica, from start to end (slot wait included), by outcome (succeeded, failed, retried)',
    labelNames: ['outcome'] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers: [],
  });
  readonly webhookDeliveries = new Counter({
    name: 'pixashot_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered (2xx), retried (non-2xx or no answer, another attempt follows), failed (the last attempt failed), denied (the network policy refused the target)',
    labelNames: ['outcome'] as const,
    registers: [],
  });
  private depthReader?: () => Promise<Record<string, number>>;

  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.jobDuration);
    registry.registerMetric(this.webhookDeliveries);
    const read = () => this.depthReader?.();
    new Gauge({
      name: 'pixashot_jobs',
      help: 'Capture jobs in the shared queue by state (waiting, active, delayed, completed, failed, prioritized); the same on every replica',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts = await read()?.catch(() => undefined);
        if (!counts) return; // Redis away (or async off): no sample rather than a wrong zero
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }

  /** The capture queue reports its counts through this. */
  readQueueDepth(reader: () => Promise<Record<string, number>>): void {
    this.depthReader = reader;
  }
}
