import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor, mirroredCounter } from '../metrics/metrics-contributor';
import { BrowserPoolService } from './browser-pool.service';

/** The browser pool's share of /metrics, read from its stats() at scrape time. */
@Injectable()
@ContributesMetrics()
export class BrowserPoolMetrics implements MetricsContributor {
  constructor(private readonly pool: BrowserPoolService) {}

  registerMetrics(registry: Registry): void {
    const pool = this.pool;
    new Gauge({
      name: 'pixashot_browsers_alive',
      help: 'Connected browsers in the pool',
      registers: [registry],
      collect() {
        this.set(pool.stats().connected);
      },
    });
    new Gauge({
      name: 'pixashot_browser_pages_open',
      help: 'Pages (captures) open in the pool browsers',
      registers: [registry],
      collect() {
        this.set(pool.stats().activePages);
      },
    });
    mirroredCounter(
      registry,
      'pixashot_browser_restarts_total',
      'Browsers replaced: crashed, hung, or recycled after BROWSER_MAX_USES',
      () => pool.stats().restarts,
    );
    mirroredCounter(
      registry,
      'pixashot_browser_launch_failures_total',
      'Browser launches that failed',
      () => pool.stats().launchFailures,
    );
  }
}
