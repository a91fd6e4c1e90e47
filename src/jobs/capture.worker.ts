import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { parseCaptureRequest } from '../capture/capture-request.parser';
import { Admission } from '../capture/admission';
import { CaptureService } from '../capture/capture.service';
import { AllExceptionsFilter } from '../common/all-exceptions.filter';
import { Deadline } from '../common/deadline';
import { PayloadTooLargeError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { CAPTURE_QUEUE, QUEUE_PREFIX } from './capture-jobs.service';
import { JobStore } from './job-store';
import { CaptureJobData } from './job.types';
import { JobsMetrics } from './jobs.metrics';
import { closeBullmq, JobsRedis, throttledWarning } from './jobs.redis';
import { bullmq, loadBullmq } from './bullmq';
import { RESULT_STORE } from './jobs.tokens';
import type { ResultStore } from './result-store';
import { webhookEventOf, WebhookService } from './webhook.service';

/** Abort reasons of a running job. */
const CANCELLED = 'cancelled';
const HAND_BACK = 'hand-back';
/** How often a running job looks whether it was cancelled (DELETE may reach another replica). */
const CANCEL_POLL_MS = 500;
/** Times a job may lose its replica before it is failed (a job that kills every replica must stop). */
const MAX_STALLED = 3;

/**
 * Runs capture jobs from the shared queue, at most ASYNC_CONCURRENCY at once
 * on this replica, each in a capture slot synchronous requests leave free.
 *
 * Failures the service caused (no capacity, a crashed browser: 503 and 500
 * outcomes) are retried with backoff up to JOB_MAX_ATTEMPTS; everything the
 * page or the request decided (4xx-class outcomes, and 502/504: the target
 * failed or was too slow) fails the job at once. A replica that dies stops
 * renewing its jobs' locks; after JOB_STALLED_INTERVAL_MS another replica's
 * stalled check puts them back in the queue, without counting an attempt.
 * On shutdown running jobs are handed back to the queue at once.
 */
@Injectable()
export class CaptureWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CaptureWorker');
  private readonly errors = new AllExceptionsFilter();
  private worker?: Worker<CaptureJobData>;
  private stopping = false;
  private closed?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: JobsRedis,
    private readonly captures: CaptureService,
    private readonly admission: Admission,
    private readonly webhooks: WebhookService,
    private readonly metrics: JobsMetrics,
    @Inject(JobStore) private readonly store: JobStore,
    @Inject(RESULT_STORE) private readonly results: ResultStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.asyncEnabled || this.config.ASYNC_CONCURRENCY === 0) return;
    const { Worker } = await loadBullmq();
    this.worker = new Worker<CaptureJobData>(
      CAPTURE_QUEUE,
      (job, token, signal) => this.process(job, token, signal!),
      {
        connection: this.redis.bullConnection('pixashot-capture-worker'),
        prefix: QUEUE_PREFIX,
        concurrency: this.config.ASYNC_CONCURRENCY,
        lockDuration: this.config.JOB_STALLED_INTERVAL_MS,
        stalledInterval: this.config.JOB_STALLED_INTERVAL_MS,
        maxStalledCount: MAX_STALLED,
      },
    );
    this.worker.on('error', throttledWarning(this.logger, 'capture worker'));
    this.worker.on('stalled', (jobId) =>
      this.logger.warn({ job_id: jobId }, 'capture job lost its replica; back in the queue'),
    );
    this.logger.log(`taking capture jobs, ${this.config.ASYNC_CONCURRENCY} at once`);
    // Shutdown closes the capture gate first (ShutdownService): that is the moment to stop taking jobs.
    this.admission.closedSignal.addEventListener('abort', () => void this.stop(), { once: true });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Running jobs go back to the queue at once (another replica takes them); then the worker stops. */
  private stop(): Promise<void> {
    if (!this.worker) return Promise.resolve();
    if (!this.stopping) {
      this.stopping = true;
      this.worker.cancelAllJobs(HAND_BACK);
      this.closed = closeBullmq(this.worker, this.redis.available);
    }
    return this.closed!;
  }

  private async process(job: Job<CaptureJobData>, token: string | undefined, signal: AbortSignal) {
    const id = job.id!;
    const attempt = job.attemptsMade + 1; // a job resumed after its replica died has not made one more
    const startedAt = Date.now();
    const record = await this.store.get(id);
    if (!record || this.store.isFinished(record.status)) return; // cancelled (or expired) before it ran
    const started = await this.store.updateUnfinished(id, {
      status: 'running',
      attempts: attempt,
      started_at: new Date(startedAt).toISOString(),
    });
    if (!started) return;
    this.logger.log({ job_id: id, attempt }, 'capture job started');

    const abort = new AbortController();
    const onSignal = () => abort.abort(signal.reason === HAND_BACK ? HAND_BACK : CANCELLED);
    signal.addEventListener('abort', onSignal, { once: true });
    const poll = setInterval(() => {
      this.store.statuses([id]).then(
        ([status]) => status === 'cancelled' && abort.abort(CANCELLED),
        () => undefined, // Redis away: keep going, the next poll tries again
      );
    }, CANCEL_POLL_MS);
    let release: (() => void) | undefined;
    try {
      release = await this.admission.enterBackground(abort.signal);
      const request = parseCaptureRequest(job.data.request, this.config);
      const deadline = new Deadline(this.config.REQUEST_TIMEOUT_MS, abort.signal);
      const result = await this.captures.capture(request, deadline, undefined, release);
      if (result.body.length > this.config.JOB_MAX_RESULT_BYTES) {
        throw new PayloadTooLargeError(
          `The capture is ${result.body.length} bytes, over JOB_MAX_RESULT_BYTES (${this.config.JOB_MAX_RESULT_BYTES})`,
        );
      }
      await this.results.put(id, result.body, result.contentType);
      const { metadata } = result;
      const done = await this.store.updateUnfinished(id, {
        status: 'succeeded',
        finished_at: new Date().toISOString(),
        metadata,
        result: {
          content_type: result.contentType,
          response_type: request.response_type ?? 'by_format',
          content_disposition: request.content_disposition ?? 'attachment',
          bytes: result.body.length,
          timings: result.timings,
        },
      });
      this.metrics.jobDuration.observe({ outcome: 'succeeded' }, (Date.now() - startedAt) / 1000);
      if (!done) return; // cancelled while it rendered
      this.logger.log({ job_id: id, attempt, duration_ms: Date.now() - startedAt }, 'capture job succeeded');
      if (job.data.webhook)
        await this.webhooks.send(job.data.webhook, webhookEventOf(id, 'succeeded', { metadata }));
    } catch (err) {
      if (abort.signal.reason === HAND_BACK || this.stopping || this.admission.isClosed) {
        // Shutdown: back to the queue, not an attempt; another replica (or this one restarted) takes it.
        await this.store.updateUnfinished(id, { status: 'queued' }).catch(() => undefined);
        await job.moveToWait(token);
        this.logger.log({ job_id: id }, 'capture job handed back to the queue');
        throw new (bullmq().WaitingError)();
      }
      if (abort.signal.reason === CANCELLED) return; // its record says cancelled already
      await this.fail(job, attempt, startedAt, err);
    } finally {
      clearInterval(poll);
      release?.();
      signal.removeEventListener('abort', onSignal);
    }
  }

  /** Retries the service's own failures while attempts remain; anything else ends the job as failed. */
  private async fail(job: Job<CaptureJobData>, attempt: number, startedAt: number, err: unknown) {
    const id = job.id!;
    const { status, body } = this.errors.map(err, id);
    if (body.error_type === 'InternalError') this.logger.error({ job_id: id, err }, 'capture job failed');
    const ownFailure = status === 503 || body.error_type === 'InternalError';
    const seconds = (Date.now() - startedAt) / 1000;
    if (ownFailure && attempt < (job.opts.attempts ?? 1)) {
      this.metrics.jobDuration.observe({ outcome: 'retried' }, seconds);
      this.logger.warn({ job_id: id, attempt, error_type: body.error_type }, 'capture job will be retried');
      await this.store.updateUnfinished(id, { status: 'queued' });
      throw err instanceof Error ? err : new Error(String(err)); // BullMQ retries it after the backoff
    }
    this.metrics.jobDuration.observe({ outcome: 'failed' }, seconds);
    const error = body; // the envelope a synchronous capture would have answered; request_id = the job id
    const failed = await this.store.updateUnfinished(id, {
      status: 'failed',
      finished_at: new Date().toISOString(),
      error,
    });
    this.logger.log({ job_id: id, attempt, error_type: body.error_type }, 'capture job failed');
    if (failed && job.data.webhook) {
      await this.webhooks.send(job.data.webhook, webhookEventOf(id, 'failed', { error }));
    }
    throw new (bullmq().UnrecoverableError)(`${body.error_type}: ${body.error_details ?? body.message}`);
  }
}
