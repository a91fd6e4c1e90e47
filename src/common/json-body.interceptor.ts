import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { json, Request, RequestHandler, Response } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { PayloadTooLargeError } from './errors';
import { checkJsonShape } from './json-shape';

/** The JSON body limit: the largest html_content plus room for the other fields. */
export const bodyLimitOf = (config: AppConfig) => config.MAX_HTML_BYTES + 256 * 1024;

/**
 * Reads and parses the JSON body only after the guards: a request whose
 * credentials are missing or wrong, or that is over its rate limit, is
 * answered without its body ever being read (the connection is closed
 * behind the answer; see AllExceptionsFilter). Then: the size limit, the
 * shape limits of checkJsonShape on the raw bytes, and
 * REQUEST_BODY_TIMEOUT_MS for a client that sends its body slowly.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly parse: RequestHandler;

  constructor(private readonly config: AppConfig) {
    this.parse = json({
      limit: bodyLimitOf(config),
      type: ['application/json', 'application/*+json'],
      verify: (_req, _res, raw) => checkJsonShape(raw),
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const body = this.readBody(http.getRequest<Request>(), http.getResponse<Response>());
    return from(body).pipe(switchMap(() => next.handle()));
  }

  private readBody(req: Request, res: Response): Promise<void> {
    const declared = Number(req.headers['content-length']);
    if (declared > bodyLimitOf(this.config)) {
      // body-parser would read the whole declared body off the connection before answering
      return Promise.reject(new PayloadTooLargeError('The request body exceeds the size limit'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        res.setHeader('Connection', 'close'); // the rest of the body is not waited for
        reject(
          new HttpException(
            `The request body did not arrive within ${this.config.REQUEST_BODY_TIMEOUT_MS} ms`,
            408,
          ),
        );
      }, this.config.REQUEST_BODY_TIMEOUT_MS);
      this.parse(req, res, (err?: unknown) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }
}
