import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorEnvelope } from './error-envelope.dto';

/** What Node's HTTP parser refused, as status, envelope type and details. */
function describe(code: string | undefined): { status: number; type: string; details: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      type: 'PayloadTooLargeError',
      details:
        'The request line and headers are over 16 KiB: send large fields (html_content) in a POST body',
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, type: 'TimeoutError', details: 'The request was not received in time' };
  }
  return { status: 400, type: 'ValidationError', details: 'Malformed HTTP request' };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Requests Node's HTTP parser refuses never reach Express (a GET whose query
 * is over the 16 KiB header limit, a malformed request line). Node would
 * answer them with an empty 431/400; this answers in the error envelope like
 * everything else.
 */
export function answerClientErrorsInEnvelope(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, type, details } = describe(err.code);
    const requestId = randomUUID();
    const message = status === 431 ? 'Request headers too large' : 'Invalid request';
    const envelope = errorEnvelope(type, requestId, details, message);
    const body = JSON.stringify(envelope);
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
