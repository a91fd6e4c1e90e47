import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, TestApp, waitFor } from './helpers/app';
import { FixtureServer } from './helpers/fixture-server';
import { pngSize } from './helpers/images';
import { freePort } from './helpers/ports';
import { startRedis, stopRedis } from './helpers/redis';

/** The part of s3rver (a real HTTP server speaking the S3 API, on disk; it ships no types) used here. */
interface S3rver {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rver;

const TOKEN = 's3-spec-token-0123456789abcdef0123';
const BUCKET = 'captures';

describe('asynchronous capture results in an S3-compatible bucket (s3rver on loopback)', () => {
  let redis: ChildProcess | undefined;
  let s3: S3rver;
  let s3Dir: string;
  let s3Origin: string;
  let fixture: FixtureServer;
  let svc: TestApp;
  const savedEnv = { ...process.env };
  const auth = { Authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    s3Dir = mkdtempSync(join(tmpdir(), 'pixashot-s3rver-'));
    const s3Port = await freePort();
    s3 = new S3rver({
      address: '127.0.0.1',
      port: s3Port,
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    await s3.run();
    s3Origin = `http://127.0.0.1:${s3Port}`;
    fixture = await new FixtureServer()
      .page('/ok', '<body style="background:rgb(255,0,0)">s3</body>')
      .start();
    // The SDK's standard credential chain: s3rver's fixed development keys.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    // the SDK's notice that its 2027 releases need Node 22 (once per process, on Node 20): the test run
    // stays quiet; a service on Node 20 still prints it, once
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    svc = await startApp({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      AUTH_TOKEN: TOKEN,
      NETWORK_ALLOW: `127.0.0.1:${fixture.port}`,
      STORAGE_S3_BUCKET: BUCKET,
      STORAGE_S3_ENDPOINT: s3Origin,
      STORAGE_S3_REGION: 'us-east-1',
    });
  });

  afterAll(async () => {
    await svc?.close();
    await fixture?.stop();
    await s3?.close();
    await stopRedis(redis);
    rmSync(s3Dir, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it('stores the capture in the bucket and answers the result with a redirect to a presigned URL', async () => {
    const submitted = await svc
      .http()
      .post('/captures')
      .set(auth)
      .send({ url: fixture.url('/ok'), window_width: 300, window_height: 150, wait_for_network: 'none' });
    expect(submitted.status).toBe(202);
    const { id } = submitted.body;
    expect(
      await waitFor(
        async () => (await svc.http().get(`/captures/${id}`).set(auth)).body.status === 'succeeded',
        30_000,
        200,
      ),
    ).toBe(true);

    const result = await svc.http().get(`/captures/${id}/result`).set(auth).redirects(0);
    expect(result.status).toBe(302);
    const location = new URL(result.headers.location);
    expect(location.origin).toBe(s3Origin);
    expect(location.pathname).toBe(`/${BUCKET}/captures/${id}`);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(fetched.headers.get('content-disposition')).toBe('attachment; filename=screenshot.png');
    expect(pngSize(Buffer.from(await fetched.arrayBuffer()))).toEqual({ width: 300, height: 150 });
  });
});
