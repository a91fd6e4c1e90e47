/**
 * Domain errors: thrown by services, unaware of HTTP. The exception filter
 * maps each `errorType` to its status and envelope (the table in docs/api.md, Responses and errors).
 */
export abstract class PixashotError extends Error {
  abstract readonly errorType: string;
  /** Extra, client-safe members of the error envelope (target_status, matched, missing). */
  envelopeFields?: Record<string, string | number>;
  /** Public, client-safe explanation; the `message` of the envelope is fixed per type. */
  constructor(readonly details?: string | string[]) {
    super(Array.isArray(details) ? details.join('; ') : (details ?? ''));
    this.name = new.target.name;
  }
}

export class ValidationError extends PixashotError {
  readonly errorType = 'ValidationError';
}
export class AuthenticationError extends PixashotError {
  readonly errorType = 'AuthenticationError';
  constructor(readonly missing: boolean) {
    super();
  }
}
export class BlockedTargetError extends PixashotError {
  readonly errorType = 'BlockedTargetError';
}
export class PayloadTooLargeError extends PixashotError {
  readonly errorType = 'PayloadTooLargeError';
}
export class ElementNotFoundError extends PixashotError {
  readonly errorType = 'ElementNotFoundError';
}
export class ScriptError extends PixashotError {
  readonly errorType = 'ScriptError';
}
/** The output would be over a budget (MAX_PDF_BYTES, MAX_CAPTURE_PIXELS) and cutting it is no answer. */
export class OutputTooLargeError extends PixashotError {
  readonly errorType = 'OutputTooLargeError';
}
export class InteractionError extends PixashotError {
  readonly errorType = 'InteractionError';
}
export class RateLimitError extends PixashotError {
  readonly errorType = 'RateLimitError';
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}
export class NavigationError extends PixashotError {
  readonly errorType = 'NavigationError';
  /** `targetStatus`: the main document's status when that status is why the capture failed (fail_on_status). */
  constructor(details?: string, targetStatus?: number) {
    super(details);
    if (targetStatus !== undefined) this.envelopeFields = { target_status: targetStatus };
  }
}
/** An uncaught exception or unhandled rejection in the page (fail_on_page_error). */
export class PageError extends PixashotError {
  readonly errorType = 'PageError';
}
/** The page's visible text has a string it must not have, or lacks one it must have (fail_if_content_*). */
export class ContentError extends PixashotError {
  readonly errorType = 'ContentError';
  constructor(details: string, fields: { matched: string } | { missing: string }) {
    super(details);
    this.envelopeFields = fields;
  }
}
export class CapacityError extends PixashotError {
  readonly errorType = 'CapacityError';
  constructor(
    details: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(details);
  }
}
export class TimeoutError extends PixashotError {
  readonly errorType = 'TimeoutError';
}
export class NotFoundError extends PixashotError {
  readonly errorType = 'NotFoundError';
}
/** The job's result is asked for while the job is still queued or running. */
export class JobNotReadyError extends PixashotError {
  readonly errorType = 'JobNotReadyError';
}
/** The job has already ended (DELETE of a finished job). */
export class JobFinishedError extends PixashotError {
  readonly errorType = 'JobFinishedError';
}

/** Status and fixed message of each error type: the table in docs/api.md. */
export const ERROR_TYPES: Record<string, { status: number; message: string }> = {
  ValidationError: { status: 400, message: 'Invalid request parameters' },
  AuthenticationError: { status: 403, message: 'Invalid authentication token' },
  NotFoundError: { status: 404, message: 'Not found' },
  MethodNotAllowedError: { status: 405, message: 'Method not allowed' },
  JobNotReadyError: { status: 409, message: 'The capture job has not finished yet' },
  JobFinishedError: { status: 409, message: 'The capture job has already finished' },
  BlockedTargetError: { status: 403, message: 'Target is not allowed by the network policy' },
  PayloadTooLargeError: { status: 413, message: 'Request body too large' },
  UnsupportedMediaTypeError: { status: 415, message: 'Unsupported media type' },
  ElementNotFoundError: { status: 422, message: 'Element not found' },
  ScriptError: { status: 422, message: 'Custom script failed' },
  InteractionError: { status: 422, message: 'Interaction failed' },
  PageError: { status: 422, message: 'The page threw an error' },
  ContentError: { status: 422, message: 'Content check failed' },
  OutputTooLargeError: { status: 422, message: 'Capture output too large' },
  RateLimitError: { status: 429, message: 'Rate limit exceeded' },
  NavigationError: { status: 502, message: 'Navigation failed' },
  CapacityError: { status: 503, message: 'Service is at capacity' },
  TimeoutError: { status: 504, message: 'Capture timed out' },
  InternalError: { status: 500, message: 'Internal server error' },
};
