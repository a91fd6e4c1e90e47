import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowSignedUrl } from '../auth/auth.decorators';
import { principalOf } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { tagCapture } from '../common/capture-tags';
import { Deadline } from '../common/deadline';
import { ApiErrorResponse, ErrorEnvelopeDto } from '../common/error-envelope.dto';
import { writeCacheHeaders } from '../cache/cache-headers';
import { CaptureCacheService } from '../cache/capture-cache.service';
import { claimantOf } from './admission';
import { CaptureOptions } from './capture-options';
import { CaptureRequestPipe } from './capture-request.pipe';
import { FORMAT_CONTENT, sendCapture } from './capture-response';
import { CaptureService } from './capture.service';
import { CaptureRequestDto } from './dto/capture-request.dto';
import { CaptureJsonResponseDto } from './dto/capture-response.dto';
import { CAPTURE_EXAMPLES } from './dto/capture-examples';

const ERROR_RESPONSES: [number, string][] = [
  [400, 'ValidationError: a bad or unknown field, bad JSON, both or neither of url/html_content'],
  [401, 'AuthenticationError: no credentials'],
  [403, 'AuthenticationError (wrong token, bad or expired signature) or BlockedTargetError'],
  [413, 'PayloadTooLargeError: the body is over the limit'],
  [
    422,
    'ElementNotFoundError, ScriptError, InteractionError, PageError (fail_on_page_error), ContentError (fail_if_content_*, with matched / missing) or OutputTooLargeError (a PDF over MAX_PDF_BYTES, an image of which not one row fits MAX_CAPTURE_PIXELS): the page loaded but the request could not be met',
  ],
  [429, 'RateLimitError: over the rate limit (Retry-After set)'],
  [
    502,
    'NavigationError: DNS failure, refused connection, TLS error, or a status of fail_on_status / fail_on_http_error (with target_status)',
  ],
  [503, 'CapacityError: the queue is full or no browser became free in time (Retry-After set)'],
  [
    504,
    'TimeoutError: page load, wait_for_selector, wait_for_selector_hidden or wait_for_function ran past wait_for_timeout, or the request deadline passed',
  ],
  [500, 'InternalError'],
];

/** Swagger for both routes: the binary media types, the JSON and empty variants, every error envelope. */
function CaptureResponses(): MethodDecorator {
  return (target, key, descriptor) => {
    ApiProduces(...Object.keys(FORMAT_CONTENT), 'application/json')(target, key, descriptor);
    ApiOkResponse({
      description:
        'The capture. by_format: the bytes in the media type of `format`; json: a JSON object with the base64 file and metadata.',
      content: {
        ...FORMAT_CONTENT,
        'application/json': { schema: { $ref: '#/components/schemas/CaptureJsonResponseDto' } },
      },
    })(target, key, descriptor);
    ApiResponse({ status: 204, description: 'response_type=empty: the capture ran, no body.' })(
      target,
      key,
      descriptor,
    );
    for (const [status, description] of ERROR_RESPONSES)
      ApiErrorResponse(status, description)(target, key, descriptor);
  };
}

@ApiTags('capture')
@ApiBearerAuth()
@ApiExtraModels(CaptureJsonResponseDto, ErrorEnvelopeDto)
@Controller('capture')
export class CaptureController {
  constructor(
    private readonly captures: CaptureService,
    private readonly config: AppConfig,
    private readonly cache: CaptureCacheService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Capture a URL or HTML as PNG, JPEG, WebP, PDF or HTML' })
  @ApiBody({ type: CaptureRequestDto, examples: CAPTURE_EXAMPLES })
  @CaptureResponses()
  async capturePost(
    @Body(CaptureRequestPipe) options: CaptureOptions,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(options, req, res);
  }

  @Get()
  @ApiOperation({
    summary: 'Capture with the fields as query parameters',
    description:
      'Same fields as POST: booleans and numbers as text, lists comma-separated, nested fields (interactions, cookies, geolocation, custom_headers) as JSON strings. ' +
      'Authorized by a bearer token, or by a signed URL (`expires` + `signature`, made with URL_SIGNING_SECRET: see `npm run sign-url`) that needs no token.',
  })
  @ApiQuery({
    name: 'expires',
    required: false,
    type: Number,
    description:
      'Signed URLs: Unix time in seconds after which the URL is refused; at most SIGNED_URL_MAX_TTL ahead. Part of the signed parameters.',
    example: 1767225600,
  })
  @ApiQuery({
    name: 'signature',
    required: false,
    type: String,
    description:
      'Signed URLs: base64url (no padding) HMAC-SHA256 with URL_SIGNING_SECRET of every other query parameter, sorted by name, each name and value encodeURIComponent-encoded, joined as name=value with "&".',
    example: 'q1Xb0n3K4mJtq3t8Yx0aQj3v2t4w8mM0n6wqQpVvX9c',
  })
  @AllowSignedUrl()
  @CaptureResponses()
  async captureGet(
    // the query as text; the auth guard has taken expires/signature out of it
    @Query(CaptureRequestPipe) options: CaptureOptions,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.respond(options, req, res);
  }

  private async respond(options: CaptureOptions, req: Request, res: Response): Promise<void> {
    const { format, url } = options;
    tagCapture(res, { format, target_host: url ? new URL(url).hostname : undefined }); // for the access log and metrics
    // A client that hangs up frees its slot at once: the abort reaches every phase.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const deadline = new Deadline(this.config.REQUEST_TIMEOUT_MS, abort.signal);
    const claimant = claimantOf(principalOf(req), req.ip ?? '');
    const served = await this.cache.serve(options, deadline, () =>
      this.captures.capture(options, deadline, claimant),
    );
    const responseType = options.response_type;
    if (writeCacheHeaders(req, res, served, responseType)) return; // 304 Not Modified
    sendCapture(res, served.result, options);
  }
}
