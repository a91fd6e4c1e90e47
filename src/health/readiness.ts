import { DiscoveryService } from '@nestjs/core';
import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * A provider whose state decides whether this replica can take work
 * (a connected browser, not shutting down, Redis reachable...). The module
 * that owns the state provides it, marked `@ReadinessCheck()`; the health
 * module finds every one of them, so it imports none of their modules.
 */
export interface ReadinessIndicator {
  check(): HealthIndicatorResult | Promise<HealthIndicatorResult>;
}

/** Marks a provider implementing ReadinessIndicator: /health and /health/ready include its check. */
export const ReadinessCheck = DiscoveryService.createDecorator<void>();
