import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor, mirroredCounter } from '../metrics/metrics-contributor';
import { EgressService } from './egress.service';

/** The network policy's share of /metrics. */
@Injectable()
@ContributesMetrics()
export class EgressMetrics implements MetricsContributor {
  constructor(private readonly egress: EgressService) {}

  registerMetrics(registry: Registry): void {
    mirroredCounter(
      registry,
      'pixashot_blocked_targets_total',
      'Connections (main documents, redirects, subresources, sockets) refused by the network policy',
      () => this.egress.deniedCount,
    );
    mirroredCounter(
      registry,
      'pixashot_egress_proxy_restarts_total',
      'Times the egress proxy process died and was restarted (captures with connections through it fail with 502)',
      () => this.egress.proxyRestarts,
    );
  }
}
