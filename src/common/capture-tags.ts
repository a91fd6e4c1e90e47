import type { ServerResponse } from 'node:http';

/** What the access log and the capture metrics report about a capture request. */
export interface CaptureTags {
  /** The output format after template and defaults (png, jpeg, webp, pdf, html). */
  format: string;
  /** Host name of the target URL; absent for html_content. Never the full URL: it may hold secrets. */
  target_host?: string;
}

const TAGS = Symbol('pixashot.captureTags');
type Tagged = ServerResponse & { [TAGS]?: CaptureTags };

/** The capture controller records what it is capturing, once the request is valid. */
export function tagCapture(res: ServerResponse, tags: CaptureTags): void {
  (res as Tagged)[TAGS] = tags;
}

export function captureTagsOf(res: ServerResponse): CaptureTags | undefined {
  return (res as Tagged)[TAGS];
}

/** The error_type the exception filter answered with, if it answered with one. */
export function errorTypeOf(res: ServerResponse): string | undefined {
  return (res as ServerResponse & { errorType?: string }).errorType;
}
