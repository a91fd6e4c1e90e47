import type { CaptureMetadata, Phase } from '../capture/capture.types';
import type { ErrorEnvelopeDto } from '../common/error-envelope.dto';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** How a stored result is answered: the headers a synchronous capture would have had. */
export interface StoredResult {
  content_type: string;
  response_type: string;
  /** Absent in records written before the field existed: attachment. */
  content_disposition?: string;
  bytes: number;
  timings: Record<Phase, number>;
}

/** A job as the API reports it (plus what only the service needs: owner, result). */
export interface JobRecord {
  id: string;
  /** The principal that created it (see ownerOf); nobody else sees it. */
  owner: string;
  status: JobStatus;
  /** Capture attempts started; a job resumed after its replica died keeps its count. */
  attempts: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  batch_id?: string;
  metadata?: CaptureMetadata;
  error?: ErrorEnvelopeDto;
  result?: StoredResult;
}

export interface WebhookTarget {
  url: string;
  headers?: Record<string, string>;
}

/** The BullMQ job's data: the capture request as it was submitted (validated again by the worker). */
export interface CaptureJobData {
  request: Record<string, unknown>;
  owner: string;
  webhook?: WebhookTarget;
}

export const statusUrlOf = (id: string) => `/captures/${id}`;
export const resultUrlOf = (id: string) => `/captures/${id}/result`;
