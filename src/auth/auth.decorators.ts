import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtraModels, ApiResponse, DECORATORS, getSchemaPath } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../common/error-envelope.dto';

const IS_PUBLIC = 'pixashot:public';
const SIGNED_URL_ALLOWED = 'pixashot:signed-url-allowed';

/** A boolean setting that, when on, makes a @Public() route ask for credentials after all. */
export type CredentialsFlag = 'METRICS_AUTH';

/**
 * The route needs no credentials and is not rate limited (health probes,
 * metrics). Its OpenAPI operation says so (`security: []`) and lists the
 * only 4xx such a route gives: a request Node's HTTP parser refuses. With
 * `unless`, it needs a bearer token while that setting is on (METRICS_AUTH
 * for /metrics) and is still not rate limited; its operation then lists
 * both (no credentials, or a bearer token).
 */
export const Public = (options: { unless?: CredentialsFlag } = {}) =>
  applyDecorators(
    SetMetadata(IS_PUBLIC, options.unless ?? true),
    // with `unless`: no credentials, or a bearer token (the setting decides at run time)
    SetMetadata(DECORATORS.API_SECURITY, options.unless ? [{}, { bearer: [] }] : []),
    ApiExtraModels(ErrorEnvelopeDto),
    ApiResponse({
      status: 400,
      description: 'ValidationError: a malformed HTTP request (request line or headers)',
      content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } } },
    }),
  );

/** The route also accepts a signed URL (`expires` + `signature` in the query) instead of a bearer token. */
export const AllowSignedUrl = () => SetMetadata(SIGNED_URL_ALLOWED, true);

const flag = (reflector: Reflector, key: string, context: ExecutionContext): boolean =>
  reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) === true;

const publicMark = (reflector: Reflector, context: ExecutionContext) =>
  reflector.getAllAndOverride<true | CredentialsFlag | undefined>(IS_PUBLIC, [
    context.getHandler(),
    context.getClass(),
  ]);

/** Not rate limited (and without credentials unless `credentialsFlagOf` names a setting that is on). */
export const isPublicRoute = (reflector: Reflector, context: ExecutionContext) =>
  publicMark(reflector, context) !== undefined;

/** The setting under which a public route asks for credentials, if it has one. */
export const credentialsFlagOf = (
  reflector: Reflector,
  context: ExecutionContext,
): CredentialsFlag | undefined => {
  const mark = publicMark(reflector, context);
  return typeof mark === 'string' ? mark : undefined;
};

export const allowsSignedUrl = (reflector: Reflector, context: ExecutionContext) =>
  flag(reflector, SIGNED_URL_ALLOWED, context);
