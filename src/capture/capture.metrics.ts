import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ContributesMetrics, MetricsContributor } from '../metrics/metrics-contributor';
import { Admission } from './admission';

/** The admission gate's share of /metrics: captures running and waiting. */
@Injectable()
@ContributesMetrics()
export class CaptureMetrics implements MetricsContributor {
  constructor(private readonly admission: Admission) {}

  registerMetrics(registry: Registry): void {
    const admission = this.admission;
    new Gauge({
      name: 'pixashot_capture_queue_length',
      help: 'Capture requests waiting for a slot',
      registers: [registry],
      collect() {
        this.set(admission.queuedCount);
      },
    });
    new Gauge({
      name: 'pixashot_captures_running',
      help: 'Captures running now (at most MAX_CONCURRENT_CAPTURES)',
      registers: [registry],
      collect() {
        this.set(admission.runningCount);
      },
    });
  }
}
