import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtraModels, ApiResponse, DECORATORS, getSchemaPath } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../common/error-envelope.dto';

const IS_PUBLIC = 'pixashot:public';
const SIGNED_URL_ALLOWED = 'pixashot:signed-url-allowed';

/**
 * The route needs no credentials and is not rate limited (health probes,
 * metrics). Its OpenAPI operation says so (`security: []`) and lists the
 * only 4xx such a route gives: a request Node's HTTP parser refuses.
 */
export const Public = () =>
  applyDecorators(
    SetMetadata(IS_PUBLIC, true),
    SetMetadata(DECORATORS.API_SECURITY, []),
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

export const isPublicRoute = (reflector: Reflector, context: ExecutionContext) =>
  flag(reflector, IS_PUBLIC, context);

export const allowsSignedUrl = (reflector: Reflector, context: ExecutionContext) =>
  flag(reflector, SIGNED_URL_ALLOWED, context);
