import { DiscoveryService } from '@nestjs/core';
import { Counter, Registry } from 'prom-client';

/**
 * A module's share of /metrics (gotenberg's `Metrics()`): the module that
 * owns the numbers provides a class implementing this, marked
 * `@ContributesMetrics()`, and MetricsService hands it the app's one
 * registry at start. The metrics module imports none of the contributors.
 * Values are read at scrape time (`collect`), so the owner keeps plain numbers.
 */
export interface MetricsContributor {
  registerMetrics(registry: Registry): void;
}

/** Marks a provider implementing MetricsContributor. */
export const ContributesMetrics = DiscoveryService.createDecorator<void>();

/**
 * The one way to expose a number another service counts (restarts, refused
 * targets, cache hits...) as a Prometheus counter: the owner's total is the
 * counter's value at every scrape. The total only grows while the process lives.
 */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
