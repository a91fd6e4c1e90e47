import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Principal, principalOf } from '../auth/principal';
import { FORMAT_CONTENT, sendCapture } from '../capture/capture-response';
import { CaptureJsonResponseDto } from '../capture/dto/capture-response.dto';
import { ApiErrorResponse, ErrorEnvelopeDto } from '../common/error-envelope.dto';
import { CaptureJobsService } from './capture-jobs.service';
import { CaptureBatchRequestDto, CaptureJobRequestDto } from './dto/capture-job-request.dto';
import {
  CaptureBatchCreatedDto,
  CaptureBatchStatusDto,
  CaptureJobCreatedDto,
  CaptureJobStatusDto,
} from './dto/capture-job-response.dto';
import { JobRecord, resultUrlOf, statusUrlOf } from './job.types';

/** The owner key of a principal: jobs are visible to it alone. */
export function ownerOf(principal: Principal | undefined, req: Request): string {
  if (principal?.kind === 'token') return `token:${principal.tokenId}`;
  if (principal?.kind === 'signed') return `signed:${principal.keyId}`;
  return `client:${principal?.ip ?? req.ip ?? ''}`;
}

/** Error envelopes every jobs route may answer. */
function JobErrors(...extra: [number, string][]): MethodDecorator {
  return (target, key, descriptor) => {
    for (const [status, description] of [
      ...extra,
      [401, 'AuthenticationError: no credentials'],
      [403, 'AuthenticationError: wrong token'],
      [429, 'RateLimitError: over the rate limit (Retry-After set)'],
      [503, 'CapacityError: asynchronous captures need Redis (REDIS_URL), or Redis does not answer'],
    ] as [number, string][]) {
      ApiErrorResponse(status, description)(target, key, descriptor);
    }
  };
}

const ID_PARAM = {
  name: 'id',
  description: 'The job id from POST /captures.',
  example: '0b7f3c2e-3f4a-4e0f-9d55-6f7e3a1c9b20',
};
const NOT_FOUND: [number, string] = [404, "NotFoundError: no such job, expired, or another principal's"];

const createdOf = (record: JobRecord, status = 'queued'): CaptureJobCreatedDto => ({
  id: record.id,
  status,
  status_url: statusUrlOf(record.id),
  result_url: resultUrlOf(record.id),
  created_at: record.created_at,
});

/** Asynchronous captures: queue now, fetch the result (or get a webhook) later. */
@ApiTags('captures (asynchronous)')
@ApiBearerAuth()
@ApiExtraModels(CaptureJsonResponseDto, ErrorEnvelopeDto)
@Controller('captures')
export class JobsController {
  constructor(private readonly jobs: CaptureJobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue a capture',
    description:
      'The body is a POST /capture request plus optional webhook_url, webhook_headers and idempotency_key; validated exactly like POST /capture. ' +
      'Answers 202 with the job, or 200 with the job an earlier request with the same idempotency_key made.',
  })
  @ApiBody({ type: CaptureJobRequestDto })
  @ApiAcceptedResponse({ type: CaptureJobCreatedDto, description: 'Queued.' })
  @ApiOkResponse({
    type: CaptureJobCreatedDto,
    description: 'The job this idempotency_key made before (its current status).',
  })
  @JobErrors([400, 'ValidationError: a bad or unknown field, or a webhook_url the network policy denies'])
  async submit(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { created, record } = await this.jobs.submit(ownerOf(principalOf(req), req), body);
    if (!created) {
      res.status(200);
      return createdOf(record, record.status);
    }
    return createdOf(record);
  }

  @Post('batch')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue up to 100 captures',
    description:
      'Every request is validated first: one 400 names each bad one as requests[i], and nothing is queued.',
  })
  @ApiBody({ type: CaptureBatchRequestDto })
  @ApiAcceptedResponse({ type: CaptureBatchCreatedDto, description: 'All queued; jobs in request order.' })
  @JobErrors([400, 'ValidationError: names each bad request as requests[i]'])
  async submitBatch(@Body() body: unknown, @Req() req: Request): Promise<CaptureBatchCreatedDto> {
    const { batch_id, jobs } = await this.jobs.submitBatch(ownerOf(principalOf(req), req), body);
    return {
      batch_id,
      jobs: jobs.map((j) => ({ id: j.id, status_url: statusUrlOf(j.id), result_url: resultUrlOf(j.id) })),
    };
  }

  @Get('batch/:batch_id')
  @ApiOperation({ summary: "The states of a batch's jobs, in request order" })
  @ApiParam({ name: 'batch_id', example: '7c1d0a9e-2b1f-4a7d-8f3e-5d6c4b3a2f10' })
  @ApiOkResponse({ type: CaptureBatchStatusDto })
  @JobErrors([404, "NotFoundError: no such batch, expired, or another principal's"])
  batch(@Param('batch_id') batchId: string, @Req() req: Request): Promise<CaptureBatchStatusDto> {
    return this.jobs.batch(ownerOf(principalOf(req), req), batchId);
  }

  @Get(':id')
  @ApiOperation({ summary: "A job's state: metadata on success, the error envelope on failure" })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: CaptureJobStatusDto })
  @JobErrors(NOT_FOUND)
  async status(@Param('id') id: string, @Req() req: Request): Promise<CaptureJobStatusDto> {
    const job = await this.jobs.status(ownerOf(principalOf(req), req), id);
    // In the documented order (Redis hands the fields back in any order); owner and storage details stay inside.
    return {
      id: job.id,
      status: job.status,
      attempts: job.attempts,
      created_at: job.created_at,
      started_at: job.started_at,
      finished_at: job.finished_at,
      metadata: job.metadata,
      error: job.error,
    };
  }

  @Get(':id/result')
  @ApiOperation({
    summary: "A finished job's capture",
    description:
      'The bytes with the headers of a synchronous capture (response_type json: the JSON body). With S3 storage: a 302 to a presigned URL of the bytes.',
  })
  @ApiParam(ID_PARAM)
  @ApiProduces(...Object.keys(FORMAT_CONTENT), 'application/json')
  @ApiOkResponse({
    description: 'The capture, as POST /capture would have answered it.',
    content: {
      ...FORMAT_CONTENT,
      'application/json': { schema: { $ref: '#/components/schemas/CaptureJsonResponseDto' } },
    },
  })
  @ApiFoundResponse({
    description: 'S3 storage: Location is a presigned URL of the bytes (valid 5 minutes).',
  })
  @ApiErrorResponse(409, 'JobNotReadyError: the job is still queued or running')
  @JobErrors([
    404,
    "NotFoundError: unknown, expired, failed or cancelled (the status says why), or another principal's",
  ])
  async result(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const result = await this.jobs.result(ownerOf(principalOf(req), req), id);
    if (result.kind === 'redirect') {
      res.redirect(302, result.url);
      return;
    }
    sendCapture(res, result.capture, result.shape);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a queued or running job' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Cancelled; a webhook capture.cancelled follows if the job has one.' })
  @ApiErrorResponse(409, 'JobFinishedError: the job has already ended')
  @JobErrors(NOT_FOUND)
  async cancel(@Param('id') id: string, @Req() req: Request): Promise<void> {
    await this.jobs.cancel(ownerOf(principalOf(req), req), id);
  }
}
