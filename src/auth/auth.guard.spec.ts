import 'reflect-metadata';
import { ExecutionContext, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticationError } from '../common/errors';
import { loadConfig } from '../config/app-config';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { AllowSignedUrl } from './auth.decorators';
import { AuthGuard } from './auth.guard';
import { principalOf } from './principal';
import { fingerprint } from './secrets';
import { signCaptureUrl } from './url-signing';

const TOKENS = ['tok-aaa-111-secret-0123456789abcdef', 'tok-bbb-222-secret-0123456789abcdef'];
const SECRET = 'signing-key-333-secret-0123456789abc';

describe('AuthGuard', () => {
  let logged: string[];
  let rateLimited: number;

  const guardFor = (env: Record<string, string>) => {
    const counter = {
      canActivate: () => {
        rateLimited++;
        return Promise.resolve(true);
      },
    } as unknown as RateLimitGuard;
    return new AuthGuard(new Reflector(), loadConfig(env), counter);
  };
  const contextFor = (req: object) =>
    ({
      getHandler: () => function captureGet() {},
      getClass: () => class CaptureController {},
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }),
    }) as unknown as ExecutionContext;

  beforeEach(() => {
    logged = [];
    rateLimited = 0;
    for (const level of ['log', 'warn', 'debug', 'error', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(`${level}: ${args.map(String).join(' ')}`);
      });
    }
  });

  afterEach(() => jest.restoreAllMocks());

  it('warns loudly at start when no token is configured', () => {
    guardFor({}).onModuleInit();
    expect(logged.some((line) => line.startsWith('warn:') && line.includes('OPEN'))).toBe(true);
  });

  it('logs token and key ids at start, never the tokens or the secret', () => {
    guardFor({ AUTH_TOKENS: TOKENS.join(','), URL_SIGNING_SECRET: SECRET }).onModuleInit();
    const text = logged.join('\n');
    expect(text).toContain(fingerprint(TOKENS[0]));
    expect(text).toContain(fingerprint(SECRET));
    for (const secret of [...TOKENS, SECRET]) expect(text).not.toContain(secret);
    expect(logged.some((line) => line.startsWith('warn:'))).toBe(false);
  });

  it('admits a right token as its id, and refuses a wrong one without logging it, counting it against the address', async () => {
    const guard = guardFor({ AUTH_TOKENS: TOKENS.join(',') });
    const ok = { headers: { authorization: `Bearer ${TOKENS[1]}` }, query: {}, ip: '192.0.2.1' };
    await expect(guard.canActivate(contextFor(ok))).resolves.toBe(true);
    expect(principalOf(ok)).toEqual({ kind: 'token', tokenId: fingerprint(TOKENS[1]) });
    expect(rateLimited).toBe(0); // counted later by the rate-limit guard, against the token

    const wrong = { headers: { authorization: 'Bearer guessed-token-444' }, query: {}, ip: '192.0.2.1' };
    await expect(guard.canActivate(contextFor(wrong))).rejects.toBeInstanceOf(AuthenticationError);
    expect(principalOf(wrong)).toEqual({ kind: 'client', ip: '192.0.2.1' });
    expect(rateLimited).toBe(1);
    expect(logged.join('\n')).not.toContain('guessed-token-444');
  });

  it('hands a signed-URL route the query without expires and signature, once they are verified', async () => {
    const guard = guardFor({ URL_SIGNING_SECRET: SECRET });
    const signed = new URL(
      signCaptureUrl('http://x', { url: 'https://example.com/', format: 'jpeg' }, SECRET, { expiresIn: 60 }),
    );
    const req = { headers: {}, query: Object.fromEntries(signed.searchParams), ip: '192.0.2.1' };
    const captureGet = function captureGet() {};
    AllowSignedUrl()(captureGet);
    const context = {
      getHandler: () => captureGet,
      getClass: () => class CaptureController {},
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }),
    } as unknown as ExecutionContext;
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(principalOf(req)).toEqual({ kind: 'signed', keyId: fingerprint(SECRET) });
    expect(req.query).toEqual({ url: 'https://example.com/', format: 'jpeg' });
  });
});
