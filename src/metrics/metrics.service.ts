import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor } from './metrics-contributor';

/** Outcome label of a capture that succeeded; failures carry their error_type. */
export const OK = 'ok';

/**
 * The service's Prometheus metrics, in a registry of its own (so several
 * apps in one process, as in tests, do not share series). It counts the
 * answered /capture requests itself (CaptureMetricsMiddleware feeds it) and
 * hands the registry to every @ContributesMetrics() provider at start: the
 * pool, the admission gate, the cache and the egress policy add their own.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  readonly captures = new Counter({
    name: 'pixashot_captures_total',
    help: 'Capture requests answered, by output format and outcome (ok, or the error_type of the answer)',
    labelNames: ['format', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly captureDuration = new Histogram({
    name: 'pixashot_capture_duration_seconds',
    help: 'Time from arrival to the end of the response of capture requests, queue time included',
    labelNames: ['format', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [this.registry],
  });

  /** Requests answered 429 (counted by CaptureMetricsMiddleware from the envelope's error_type). */
  readonly rateLimited = new Counter({
    name: 'pixashot_rate_limited_total',
    help: 'Requests refused with 429 by the rate limiter',
    registers: [this.registry],
  });

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    // Every provider exists by now (Nest creates all instances before the first init hook).
    for (const wrapper of this.discovery.getProviders({ metadataKey: ContributesMetrics.KEY })) {
      (wrapper.instance as MetricsContributor | undefined)?.registerMetrics(this.registry);
    }
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records one answered capture request. */
  observeCapture(format: string, outcome: string, seconds: number): void {
    this.captures.inc({ format, outcome });
    this.captureDuration.observe({ format, outcome }, seconds);
  }
}
