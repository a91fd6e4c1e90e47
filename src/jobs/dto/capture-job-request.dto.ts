import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { CaptureRequestDto } from '../../capture/dto/capture-request.dto';
import { IsCaptureUrl, IsHeaderMap } from '../../capture/dto/validators';

/**
 * The OpenAPI description of each job field, written once: the validating DTOs
 * below and the request bodies of POST /captures and POST /captures/batch
 * (documentation only) all show the same text.
 */
const WEBHOOK_URL_DOC: ApiPropertyOptions = {
  description:
    "Where to POST the job's outcome when it ends (succeeded, failed or cancelled), signed with X-Pixashot-Signature. Must be allowed by the network policy (WEBHOOK_ALLOW for internal targets); a denied URL is a 400.",
  maxLength: 2048,
  example: 'https://hooks.example.com/pixashot',
};
const WEBHOOK_HEADERS_DOC: ApiPropertyOptions = {
  description:
    'Header name -> value, sent with every webhook delivery (an Authorization for the receiver, say).',
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { Authorization: 'Bearer receiver-token' },
};
const IDEMPOTENCY_KEY_DOC: ApiPropertyOptions = {
  description:
    'At most 200 characters. The same key from the same principal within JOB_RESULT_TTL answers the job it made first (200) instead of queueing another.',
  maxLength: 200,
  example: 'report-2026-01-01-page-7',
};

/** The fields a job adds to a capture request; validated here, the capture fields by parseCaptureRequest. */
export class JobOptionsDto {
  @ApiPropertyOptional(WEBHOOK_URL_DOC)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsCaptureUrl()
  webhook_url?: string;

  @ApiPropertyOptional(WEBHOOK_HEADERS_DOC)
  @IsOptional()
  @IsObject()
  @IsHeaderMap()
  webhook_headers?: Record<string, string>;
}

/** POST /captures: a capture request (every field of POST /capture) plus the job's own fields. */
export class CaptureJobRequestDto extends CaptureRequestDto {
  @ApiPropertyOptional(WEBHOOK_URL_DOC)
  webhook_url?: string;

  @ApiPropertyOptional(WEBHOOK_HEADERS_DOC)
  webhook_headers?: Record<string, string>;

  @ApiPropertyOptional(IDEMPOTENCY_KEY_DOC)
  idempotency_key?: string;
}

/** The idempotency key's own rules (only POST /captures takes one). */
export class IdempotencyDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  idempotency_key?: string;
}

export class CaptureBatchRequestDto {
  @ApiProperty({
    description:
      '1 to 100 capture requests, each with the fields of POST /capture; all are validated before any is queued.',
    type: 'array',
    items: { $ref: getSchemaPath(CaptureRequestDto) },
    minItems: 1,
    maxItems: 100,
    example: [
      { url: 'https://example.com/', format: 'png' },
      { url: 'https://example.org/', format: 'pdf' },
    ],
  })
  requests: CaptureRequestDto[];

  @ApiPropertyOptional(WEBHOOK_URL_DOC)
  webhook_url?: string;

  @ApiPropertyOptional(WEBHOOK_HEADERS_DOC)
  webhook_headers?: Record<string, string>;
}
