import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CaptureOptions } from './capture-options';
import { parseCaptureRequest, queryToBody } from './capture-request.parser';

/**
 * The edge of /capture: a JSON body (POST) or a query (GET, its texts turned
 * into JSON types first) is validated and resolved once, here, into the
 * CaptureOptions the controller, the cache and the pipeline receive.
 * A bad request never reaches the handler: ValidationError, 400.
 */
@Injectable()
export class CaptureRequestPipe implements PipeTransform<unknown, CaptureOptions> {
  constructor(private readonly config: AppConfig) {}

  transform(value: unknown, metadata: ArgumentMetadata): CaptureOptions {
    const input = metadata.type === 'query' ? queryToBody((value ?? {}) as Record<string, unknown>) : value;
    return parseCaptureRequest(input, this.config);
  }
}
