import { CanActivate, ExecutionContext, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthenticationError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { allowsSignedUrl, credentialsFlagOf, isPublicRoute } from './auth.decorators';
import { Principal, setPrincipal } from './principal';
import { fingerprint } from './secrets';
import { TokenMatcher } from './token-matcher';
import { hasSignatureParams, verifySignedQuery, withoutSignatureParams } from './url-signing';

/**
 * The global guard: every route needs credentials unless it is @Public().
 *
 * - `Authorization: Bearer <token>` is checked against every configured token
 *   (AUTH_TOKEN, AUTH_TOKENS) in constant time. A request that sends the
 *   header is judged by it, even when it also carries a signature.
 * - Routes marked @AllowSignedUrl() (GET /capture) also take a signed query
 *   (`expires` + `signature`, URL_SIGNING_SECRET).
 * - No token configured: the service is open and admits everyone, known by
 *   their address; a signature that is sent is still verified.
 *
 * Nothing missing: 401; anything wrong: 403. A failed attempt is counted
 * against the client address by the rate limiter before it is refused, so
 * guessing tokens is rate limited and never uses up a real token's allowance.
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('Auth');
  private readonly tokens: TokenMatcher;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly rateLimit: RateLimitGuard,
  ) {
    this.tokens = new TokenMatcher(config.authTokens);
  }

  onModuleInit(): void {
    if (this.tokens.configured) {
      this.logger.log(
        `bearer authentication on: ${this.tokens.ids.length} token(s), ids ${this.tokens.ids.join(', ')}`,
      );
    } else {
      this.logger.warn(
        '!!! NO AUTH_TOKEN / AUTH_TOKENS CONFIGURED: the service is OPEN, anyone who can reach it can make it ' +
          'fetch and render pages. Set AUTH_TOKEN before exposing it. !!!',
      );
    }
    if (this.config.URL_SIGNING_SECRET) {
      this.logger.log(
        `signed URLs on for GET /capture (key id ${fingerprint(this.config.URL_SIGNING_SECRET)})`,
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublicRoute(this.reflector, context)) {
      const flag = credentialsFlagOf(this.reflector, context);
      if (!flag || !this.config[flag]) return true;
    }
    const req = context.switchToHttp().getRequest<Request>();
    const signedUrlAllowed = allowsSignedUrl(this.reflector, context);
    try {
      setPrincipal(req, this.authenticate(req, signedUrlAllowed));
      // expires/signature are credentials, checked now: the handler sees only the capture fields.
      if (signedUrlAllowed) replaceQuery(req, withoutSignatureParams(req.query as Record<string, unknown>));
      return true;
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      setPrincipal(req, { kind: 'client', ip: req.ip ?? '' });
      await this.rateLimit.canActivate(context); // may answer 429 instead
      throw err;
    }
  }

  private authenticate(req: Request, signedUrlAllowed: boolean): Principal {
    const header = req.headers.authorization;
    if (this.tokens.configured && header !== undefined) return this.bearer(header);
    const query = req.query as Record<string, unknown>;
    const signed = signedUrlAllowed && hasSignatureParams(query);
    if (signed && (this.config.URL_SIGNING_SECRET || this.tokens.configured)) return this.signedUrl(query);
    if (!this.tokens.configured) return { kind: 'client', ip: req.ip ?? '' };
    throw new AuthenticationError(true);
  }

  private bearer(header: string): Principal {
    const [scheme, ...credentials] = header.trim().split(/[ \t]+/);
    if (!scheme) throw new AuthenticationError(true);
    if (scheme.toLowerCase() !== 'bearer' || credentials.length > 1) throw this.refuse('not a bearer token');
    if (credentials.length === 0) throw new AuthenticationError(true);
    const tokenId = this.tokens.match(credentials[0]);
    if (!tokenId) throw this.refuse('unknown bearer token');
    return { kind: 'token', tokenId };
  }

  private signedUrl(query: Record<string, unknown>): Principal {
    const secret = this.config.URL_SIGNING_SECRET;
    if (!secret) throw this.refuse('signed URL, but URL_SIGNING_SECRET is not set');
    const check = verifySignedQuery(query, secret, { maxTtlSeconds: this.config.SIGNED_URL_MAX_TTL });
    if (!check.valid) throw this.refuse(`signed URL refused: ${check.reason}`);
    return { kind: 'signed', keyId: fingerprint(secret) };
  }

  /** The client only ever hears "Invalid authentication token"; the reason goes to the debug log. */
  private refuse(reason: string): AuthenticationError {
    this.logger.debug(reason);
    return new AuthenticationError(false);
  }
}

/** Express 5 parses `req.query` anew on every read (a getter): an own property shadows it for the rest of the request. */
function replaceQuery(req: Request, query: Record<string, unknown>): void {
  Object.defineProperty(req, 'query', { value: query, configurable: true, enumerable: true, writable: true });
}
