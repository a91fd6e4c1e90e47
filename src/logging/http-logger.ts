import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { captureTagsOf, errorTypeOf } from '../common/capture-tags';
import { requestIdOf } from '../common/request-id';
import { AppConfig } from '../config/app-config';

/** Probes and scrapes arrive every few seconds: logged at debug, not info. */
const QUIET_PATHS = /^\/(health|metrics)(\/|$)/;

type Req = IncomingMessage & { originalUrl?: string; ip?: string };

/** The path without the query string: queries carry signatures, tokens and whole target URLs. */
const pathOf = (req: Req) => (req.originalUrl ?? req.url ?? '').split('?')[0];

/** The fields of the one line logged per request. */
function accessLine(req: Req, res: ServerResponse, durationMs: number) {
  const tags = captureTagsOf(res);
  const errorType = errorTypeOf(res);
  const length = res.getHeader('content-length');
  return {
    method: req.method,
    path: pathOf(req),
    status: res.statusCode,
    duration_ms: durationMs,
    ...(tags?.format ? { format: tags.format } : {}),
    ...(tags?.target_host ? { target_host: tags.target_host } : {}),
    ...(errorType ? { error_type: errorType } : {}),
    ...(res.writableFinished ? {} : { aborted: true }),
    ...(length !== undefined ? { bytes: Number(length) } : {}),
    client_ip: req.ip ?? req.socket?.remoteAddress,
  };
}

/** What an object logged as `req` shows: never headers, never the query. */
const safeRequest = (req: Req & { id?: unknown }) => ({ id: req.id, method: req.method, path: pathOf(req) });

/**
 * pino-http as the access log: one JSON line per request when its response
 * ends (or the client leaves) with request_id (the X-Request-Id), method,
 * path, status, duration, and for captures the format and target host.
 * Under NODE_ENV=test the lines are off.
 */
export function createHttpLogger(logger: Logger, config: AppConfig): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (req) => requestIdOf(req),
    autoLogging: config.NODE_ENV !== 'test',
    // Only the request id is bound to logs made while handling the request, no req/res dumps.
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    serializers: { req: safeRequest, res: (res: ServerResponse) => ({ status: res.statusCode }) },
    customLogLevel: (req, res, err) => {
      if (QUIET_PATHS.test(pathOf(req))) return 'debug';
      if (err || res.statusCode >= 500) return 'error';
      return 'info';
    },
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, fields) => accessLine(req, res, fields.responseTime as number),
    customErrorObject: (req, res, _err, fields) => accessLine(req, res, fields.responseTime as number),
  });
}
