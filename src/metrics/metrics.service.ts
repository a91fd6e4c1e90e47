import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BrowserPoolService } from '../browser-pool/browser-pool.service';
import { registerCacheMetrics } from '../cache/cache.metrics';
import { CaptureCacheService } from '../cache/capture-cache.service';
import { EgressService } from '../egress/egress.service';
import { Admission } from '../capture/admission';

/** Outcome label of a capture that succeeded; failures carry their error_type. */
export const OK = 'ok';

/**
 * The service's Prometheus metrics, in a registry of its own (so several
 * apps in one process, as in tests, do not share series). Gauges are read
 * from the pool and the admission gate at scrape time.
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

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    // Resolved lazily and loosely so that any module may inject MetricsService without an import cycle.
    const pool = this.moduleRef.get(BrowserPoolService, { strict: false });
    const admission = () => this.moduleRef.get(Admission, { strict: false });
    const registers = [this.registry];

    new Gauge({
      name: 'pixashot_capture_queue_length',
      help: 'Capture requests waiting for a slot',
      registers,
      collect() {
        this.set(admission().queuedCount);
      },
    });
    new Gauge({
      name: 'pixashot_captures_running',
      help: 'Captures running now (at most MAX_CONCURRENT_CAPTURES)',
      registers,
      collect() {
        this.set(admission().runningCount);
      },
    });
    new Gauge({
      name: 'pixashot_browsers_alive',
      help: 'Connected browsers in the pool',
      registers,
      collect() {
        this.set(pool.stats().connected);
      },
    });
    new Gauge({
      name: 'pixashot_browser_pages_open',
      help: 'Pages (captures) open in the pool browsers',
      registers,
      collect() {
        this.set(pool.stats().activePages);
      },
    });
    monotonic(
      'pixashot_browser_restarts_total',
      'Browsers replaced: crashed, hung, or recycled after BROWSER_MAX_USES',
      () => pool.restarts,
    );
    monotonic(
      'pixashot_browser_launch_failures_total',
      'Browser launches that failed',
      () => pool.stats().launchFailures,
    );
    const egress = this.moduleRef.get(EgressService, { strict: false });
    monotonic(
      'pixashot_blocked_targets_total',
      'Connections (main documents, redirects, subresources, sockets) refused by the network policy',
      () => egress.deniedCount,
    );
    monotonic(
      'pixashot_egress_proxy_restarts_total',
      'Times the egress proxy process died and was restarted (captures with connections through it fail with 502)',
      () => egress.proxyRestarts,
    );
    const cache = this.moduleRef.get(CaptureCacheService, { strict: false });
    registerCacheMetrics(this.registry, () => cache.stats());
    collectDefaultMetrics({ register: this.registry });

    /** A counter mirroring a number another service keeps. */
    function monotonic(name: string, help: string, read: () => number): void {
      let seen = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const now = read();
          if (now > seen) this.inc(now - seen);
          seen = now;
        },
      });
    }
  }

  /** Records one answered capture request. */
  observeCapture(format: string, outcome: string, seconds: number): void {
    this.captures.inc({ format, outcome });
    this.captureDuration.observe({ format, outcome }, seconds);
  }
}
