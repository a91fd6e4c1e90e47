import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorEnvelopeDto, errorEnvelope } from './error-envelope.dto';
import { AuthenticationError, CapacityError, ERROR_TYPES, PixashotError, RateLimitError } from './errors';
import { ClientGoneError } from './deadline';
import { requestIdOf } from './request-id';

/** HTTP statuses the framework raises itself, and the envelope type each becomes. */
const FRAMEWORK_TYPES: Record<number, string> = {
  400: 'ValidationError',
  401: 'AuthenticationError',
  403: 'AuthenticationError',
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  408: 'TimeoutError',
  413: 'PayloadTooLargeError',
  415: 'UnsupportedMediaTypeError',
  429: 'RateLimitError',
  503: 'CapacityError',
};

interface Mapped {
  status: number;
  body: ErrorEnvelopeDto;
  retryAfter?: number;
  /** Terminus health bodies keep their own shape (a 503 with the indicator details). */
  passThrough?: object;
}

/**
 * The one place errors become responses: domain errors, Nest's HTTP
 * exceptions and body-parser failures all leave as the JSON envelope of
 * docs/api.md. Anything unknown is a 500 whose detail stays in the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }

  /** Also used as Express's error handler, for failures before Nest's routing (body parsing). */
  respond(exception: unknown, req: Request, res: Response): void {
    if (exception instanceof ClientGoneError) {
      res.destroy(); // nobody is listening for an answer
      return;
    }
    const requestId = requestIdOf(req);
    const mapped = this.map(exception, requestId);
    if (mapped.status >= 500 && mapped.body.error_type === 'InternalError') {
      this.logger.error({ err: exception, request_id: requestId }, 'unhandled error');
    }
    (res as Response & { errorType?: string }).errorType = mapped.body.error_type;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (mapped.passThrough) {
      res.status(mapped.status).json(mapped.passThrough);
      return;
    }
    if (mapped.retryAfter !== undefined) res.setHeader('Retry-After', String(mapped.retryAfter));
    res.setHeader('X-Request-Id', requestId);
    res.removeHeader('Content-Disposition');
    // A body that was never read (credentials refused first, a body too slow or too large) is not
    // drained for the next request on the connection: the connection closes after this answer.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(mapped.status).json(mapped.body);
  }

  map(exception: unknown, requestId: string): Mapped {
    const envelope = (type: string, details?: string, message?: string) =>
      errorEnvelope(type, requestId, details, message);

    if (exception instanceof PixashotError) {
      const type = exception.errorType;
      if (exception instanceof AuthenticationError) {
        return exception.missing
          ? { status: 401, body: envelope(type, undefined, 'Missing authentication token') }
          : { status: 403, body: envelope(type) };
      }
      const details = Array.isArray(exception.details) ? exception.details.join('; ') : exception.details;
      const body: ErrorEnvelopeDto = { ...envelope(type, details), ...exception.envelopeFields };
      const retryAfter =
        exception instanceof RateLimitError || exception instanceof CapacityError
          ? exception.retryAfterSeconds
          : undefined;
      if (retryAfter !== undefined) body.retry_after = retryAfter;
      return { status: ERROR_TYPES[type].status, body, retryAfter };
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const type = FRAMEWORK_TYPES[status] ?? (status >= 500 ? 'InternalError' : 'ValidationError');
      const response = exception.getResponse();
      if (status === 503 && typeof response === 'object' && 'status' in response && 'details' in response) {
        return { status, body: envelope('CapacityError'), passThrough: response };
      }
      const raw = typeof response === 'object' ? (response as { message?: unknown }).message : response;
      const details = status >= 500 ? undefined : Array.isArray(raw) ? raw.join('; ') : String(raw ?? '');
      return { status, body: envelope(type, details) };
    }

    // body-parser errors carry a status and a type rather than being HttpExceptions.
    const parserError = exception as { type?: string; status?: number };
    if (parserError?.type === 'entity.too.large') {
      return {
        status: 413,
        body: envelope('PayloadTooLargeError', 'The request body exceeds the size limit'),
      };
    }
    if (parserError?.type === 'entity.parse.failed') {
      return { status: 400, body: envelope('ValidationError', 'Malformed JSON in request body') };
    }
    if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      return {
        status: parserError.status,
        body: envelope(FRAMEWORK_TYPES[parserError.status] ?? 'ValidationError'),
      };
    }
    return { status: 500, body: envelope('InternalError') };
  }
}
