import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

const IS_PUBLIC = 'pixashot:public';
const SIGNED_URL_ALLOWED = 'pixashot:signed-url-allowed';

/** The route needs no credentials and is not rate limited (health probes, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The route also accepts a signed URL (`expires` + `signature` in the query) instead of a bearer token. */
export const AllowSignedUrl = () => SetMetadata(SIGNED_URL_ALLOWED, true);

const flag = (reflector: Reflector, key: string, context: ExecutionContext): boolean =>
  reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) === true;

export const isPublicRoute = (reflector: Reflector, context: ExecutionContext) =>
  flag(reflector, IS_PUBLIC, context);

export const allowsSignedUrl = (reflector: Reflector, context: ExecutionContext) =>
  flag(reflector, SIGNED_URL_ALLOWED, context);
