import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { captureTagsOf, errorTypeOf } from '../common/capture-tags';
import { MetricsService, OK } from './metrics.service';

/**
 * Counts and times every request to /capture when its response ends:
 * format from the controller's tags ("unknown" when the request never got
 * that far), outcome from the envelope's error_type, "aborted" when the
 * client left first.
 */
@Injectable()
export class CaptureMetricsMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  readonly handle = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const startedAt = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const outcome = outcomeOf(res);
      this.metrics.observeCapture(captureTagsOf(res)?.format ?? 'unknown', outcome, seconds);
      if (outcome === 'RateLimitError') this.metrics.rateLimited.inc();
    });
    next();
  };
}

function outcomeOf(res: ServerResponse): string {
  const errorType = errorTypeOf(res);
  if (errorType) return errorType;
  if (!res.writableFinished) return 'aborted';
  return res.statusCode < 400 ? OK : `http_${res.statusCode}`;
}
