import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_TYPES } from './errors';

/** The JSON body of every error response. */
export class ErrorEnvelopeDto {
  @ApiProperty({ enum: ['error'], example: 'error' })
  status: 'error';

  @ApiProperty({ example: 'Invalid request parameters' })
  message: string;

  @ApiProperty({
    example: 'ValidationError',
    enum: Object.keys(ERROR_TYPES),
  })
  error_type: string;

  @ApiPropertyOptional({
    description: 'What exactly went wrong; for validation errors every problem, separated by "; ".',
    example: 'Either url or html_content must be provided',
  })
  error_details?: string;

  @ApiProperty({ example: '2026-01-01T12:00:00.000Z', format: 'date-time' })
  timestamp: string;

  @ApiProperty({ example: '5f0c6f8e-6a1d-4c55-9f1e-0a4b8a6f2d11' })
  request_id: string;

  @ApiPropertyOptional({ description: 'Seconds to wait before retrying (429 and 503).', example: 1 })
  retry_after?: number;

  @ApiPropertyOptional({
    description:
      "NavigationError from fail_on_status / fail_on_http_error: the status the target's main document answered.",
    example: 404,
  })
  target_status?: number;

  @ApiPropertyOptional({
    description:
      'ContentError from fail_if_content_contains: the string of the request that the visible text contains.',
    example: 'Access denied',
  })
  matched?: string;

  @ApiPropertyOptional({
    description:
      'ContentError from fail_if_content_missing: the string of the request that the visible text lacks.',
    example: 'Order total',
  })
  missing?: string;
}

/**
 * The envelope of an error answer: the one place it is built (the exception
 * filter, and the answer to requests Node's HTTP parser refuses). `message`
 * defaults to the fixed one of the error type (docs/api.md, Errors).
 */
export function errorEnvelope(
  errorType: string,
  requestId: string,
  details?: string,
  message?: string,
): ErrorEnvelopeDto {
  return {
    status: 'error',
    message: message ?? ERROR_TYPES[errorType]?.message ?? ERROR_TYPES.InternalError.message,
    error_type: errorType,
    ...(details ? { error_details: details } : {}),
    timestamp: new Date().toISOString(),
    request_id: requestId,
  };
}

/**
 * Swagger for an error answer: always the JSON envelope, whatever media types
 * the route's success produces (a client generator must not expect a PNG error).
 */
export const ApiErrorResponse = (status: number, description: string): MethodDecorator =>
  ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } } },
  });
