import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { CaptureRequestDto } from '../../capture/dto/capture-request.dto';
import { IsCaptureUrl, IsHeaderMap } from '../../capture/dto/validators';

/** The fields a job adds to a capture request; validated here, the capture fields by parseCaptureRequest. */
export class JobOptionsDto {
  @ApiPropertyOptional({
    description:
      "Where to POST the job's outcome when it ends (succeeded, failed or cancelled), signed with X-Pixashot-Signature. Must be allowed by the network policy (WEBHOOK_ALLOW for internal targets).",
    maxLength: 2048,
    example: 'https://hooks.example.com/pixashot',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsCaptureUrl()
  webhook_url?: string;

  @ApiPropertyOptional({
    description:
      'Header name -> value, sent with every webhook delivery (an Authorization for the receiver, say).',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer receiver-token' },
  })
  @IsOptional()
  @IsObject()
  @IsHeaderMap()
  webhook_headers?: Record<string, string>;
}

/** POST /captures: a capture request (every field of POST /capture) plus the job's own fields. */
export class CaptureJobRequestDto extends CaptureRequestDto {
  @ApiPropertyOptional({
    description:
      "Where to POST the job's outcome when it ends (succeeded, failed or cancelled), signed with X-Pixashot-Signature. Must be allowed by the network policy (WEBHOOK_ALLOW for internal targets); a denied URL is a 400.",
    example: 'https://hooks.example.com/pixashot',
  })
  webhook_url?: string;

  @ApiPropertyOptional({
    description: 'Header name -> value, sent with every webhook delivery.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer receiver-token' },
  })
  webhook_headers?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'At most 200 characters. The same key from the same principal within JOB_RESULT_TTL answers the job it made first (200) instead of queueing another.',
    maxLength: 200,
    example: 'report-2026-01-01-page-7',
  })
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

  @ApiPropertyOptional({
    description: "Where to POST each job's outcome when it ends, as for POST /captures.",
    example: 'https://hooks.example.com/pixashot',
  })
  webhook_url?: string;

  @ApiPropertyOptional({
    description: 'Header name -> value, sent with every webhook delivery.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Authorization: 'Bearer receiver-token' },
  })
  webhook_headers?: Record<string, string>;
}
