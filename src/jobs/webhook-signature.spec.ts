import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec-test';
  const body = '{"event":"capture.succeeded","id":"1"}';
  const now = 1_800_000_000_000;
  const t = now / 1000;

  it('signs "t.body" with HMAC-SHA256 as t=..,v1=hex, and verifies it', () => {
    const header = signWebhook(secret, body, t);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhookSignature(secret, body, header, { now })).toBe(true);
    expect(verifyWebhookSignature(secret, Buffer.from(body), header, { now })).toBe(true);
  });

  it('refuses another secret, a changed body, a stale or future timestamp, and malformed headers', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature('other', body, header, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body + ' ', header, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, { now: now + 301_000 })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, { now: now - 301_000 })).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, { now: now + 301_000, toleranceSeconds: 600 })).toBe(
      true,
    );
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=${t},v1=zz`, `t=x,v1=${'0'.repeat(64)}`]) {
      expect(verifyWebhookSignature(secret, body, bad, { now })).toBe(false);
    }
  });

  it('accepts a header carrying several v1 signatures when one matches (secret rotation)', () => {
    const header = signWebhook(secret, body, t);
    const old = signWebhook('old-secret', body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, body, `${header},${old}`, { now })).toBe(true);
    expect(verifyWebhookSignature('old-secret', body, `${header},${old}`, { now })).toBe(true);
  });
});
