import type { Response } from 'express';
import { CONTENT_TYPES, FILE_EXTENSIONS, FORMATS } from './capture-defaults';
import { CaptureResult } from './capture.types';

/** Swagger content of each format's media type (CONTENT_TYPES without parameters): text, or binary bytes. */
export const FORMAT_CONTENT = Object.fromEntries(
  FORMATS.map((format) => {
    const mediaType = CONTENT_TYPES[format].split(';')[0];
    const schema = mediaType.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' };
    return [mediaType, { schema }];
  }),
);

/** The request fields that shape the answer (a stored job keeps them beside its result). */
export interface AnswerShape {
  response_type: string;
  content_disposition: string;
}

/** `attachment; filename=screenshot.png`: the disposition asked for, the format's file extension. */
export const contentDispositionOf = (disposition: string, format: string) =>
  `${disposition}; filename=screenshot.${FILE_EXTENSIONS[format as keyof typeof FILE_EXTENSIONS] ?? format}`;

/**
 * Answers with a finished capture: the bytes (or JSON, or 204) and the
 * headers of API.md. Synchronous captures and the results of asynchronous
 * jobs leave through here, so both carry the same headers.
 */
export function sendCapture(res: Response, result: CaptureResult, shape: AnswerShape): void {
  const responseType = shape.response_type;
  const { metadata, timings } = result;
  if (!res.hasHeader('Server-Timing')) {
    // a cache hit has set `cache;dur=N` already: no phase ran
    res.setHeader(
      'Server-Timing',
      Object.entries(timings)
        .map(([phase, ms]) => `${phase};dur=${ms}`)
        .join(', '),
    );
  }
  if (metadata.status_code !== null) res.setHeader('X-Target-Status', String(metadata.status_code));
  res.setHeader('X-Final-Url', encodeURI(metadata.final_url));
  res.setHeader('X-Network-Idle', String(metadata.network_idle));
  if (metadata.truncated) res.setHeader('X-Capture-Truncated', 'true');

  if (responseType === 'empty') {
    res.status(204).end();
    return;
  }
  if (responseType === 'json') {
    res.status(200).json({ file: result.body.toString('base64'), format: metadata.format, metadata });
    return;
  }
  res.status(200);
  res.setHeader('Content-Type', result.contentType);
  res.setHeader('Content-Length', String(result.body.length));
  res.setHeader('Content-Disposition', contentDispositionOf(shape.content_disposition, metadata.format));
  res.end(result.body);
}
