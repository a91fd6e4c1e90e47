import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CaptureMetadataDto } from '../../capture/dto/capture-response.dto';
import { ErrorEnvelopeDto } from '../../common/error-envelope.dto';
import { JOB_STATUSES } from '../job.types';

const ID_EXAMPLE = '0b7f3c2e-3f4a-4e0f-9d55-6f7e3a1c9b20';

/** 202 (or 200 for a repeated idempotency key) of POST /captures. */
export class CaptureJobCreatedDto {
  @ApiProperty({ description: 'The job id.', example: ID_EXAMPLE })
  id: string;

  @ApiProperty({
    description:
      'Always "queued" in this answer, even if a worker took the job already (200 for a repeated idempotency key: the job\'s current status).',
    enum: JOB_STATUSES,
    example: 'queued',
  })
  status: string;

  @ApiProperty({ description: 'Path of GET /captures/{id}.', example: `/captures/${ID_EXAMPLE}` })
  status_url: string;

  @ApiProperty({
    description: 'Path of GET /captures/{id}/result.',
    example: `/captures/${ID_EXAMPLE}/result`,
  })
  result_url: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;
}

export class BatchJobRefDto {
  @ApiProperty({ example: ID_EXAMPLE })
  id: string;

  @ApiProperty({ example: `/captures/${ID_EXAMPLE}` })
  status_url: string;

  @ApiProperty({ example: `/captures/${ID_EXAMPLE}/result` })
  result_url: string;
}

/** 202 of POST /captures/batch: the jobs in request order. */
export class CaptureBatchCreatedDto {
  @ApiProperty({ example: '7c1d0a9e-2b1f-4a7d-8f3e-5d6c4b3a2f10' })
  batch_id: string;

  @ApiProperty({ type: [BatchJobRefDto] })
  jobs: BatchJobRefDto[];
}

export class BatchJobStatusDto {
  @ApiProperty({ example: ID_EXAMPLE })
  id: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status: string;
}

/** GET /captures/batch/{batch_id}. */
export class CaptureBatchStatusDto {
  @ApiProperty({ example: '7c1d0a9e-2b1f-4a7d-8f3e-5d6c4b3a2f10' })
  batch_id: string;

  @ApiProperty({ type: [BatchJobStatusDto], description: 'In request order.' })
  jobs: BatchJobStatusDto[];
}

/** GET /captures/{id}. */
export class CaptureJobStatusDto {
  @ApiProperty({ example: ID_EXAMPLE })
  id: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status: string;

  @ApiProperty({
    description:
      "Capture attempts started (a capture failing for the service's own reasons is retried up to JOB_MAX_ATTEMPTS; a job resumed after its replica died keeps its count).",
    example: 1,
  })
  attempts: number;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-01-01T12:00:00.120Z' })
  started_at?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-01-01T12:00:00.540Z' })
  finished_at?: string;

  @ApiPropertyOptional({
    type: () => CaptureMetadataDto,
    description: 'On success: the metadata of response_type json.',
  })
  metadata?: CaptureMetadataDto;

  @ApiPropertyOptional({
    type: () => ErrorEnvelopeDto,
    description:
      'On failure (and for cancelled jobs): the error envelope a synchronous capture would have answered.',
  })
  error?: ErrorEnvelopeDto;
}

/** The JSON body POSTed to webhook_url. */
export class WebhookEventDto {
  @ApiProperty({
    enum: ['capture.succeeded', 'capture.failed', 'capture.cancelled'],
    example: 'capture.succeeded',
  })
  event: string;

  @ApiProperty({ example: ID_EXAMPLE })
  id: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'succeeded' })
  status: string;

  @ApiPropertyOptional({ type: () => CaptureMetadataDto })
  metadata?: CaptureMetadataDto;

  @ApiPropertyOptional({ type: () => ErrorEnvelopeDto })
  error?: ErrorEnvelopeDto;

  @ApiProperty({ example: `/captures/${ID_EXAMPLE}/result` })
  result_url: string;
}
