import type { S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/** Seconds a presigned result URL stays valid: the client follows the redirect at once. */
const PRESIGNED_URL_TTL_S = 300;

/** Where finished captures' bytes are kept for JOB_RESULT_TTL seconds. */
export interface ResultStore {
  readonly kind: 'redis' | 's3';
  put(id: string, body: Buffer, contentType: string): Promise<void>;
  /** Redis: the bytes (undefined once expired). */
  get?(id: string): Promise<Buffer | undefined>;
  /** S3: a presigned URL of the bytes, answered as a redirect. */
  presignedUrl?(id: string, contentDisposition: string): Promise<string>;
}

/** Results as Redis strings beside the job records, expiring with them. */
export class RedisResultStore implements ResultStore {
  readonly kind = 'redis';
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `pixashot:jobs:result:${id}`;
  }

  async put(id: string, body: Buffer): Promise<void> {
    await this.redis.set(this.key(id), body, 'EX', this.ttlSeconds);
  }

  async get(id: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.key(id))) ?? undefined;
  }
}

/** The S3 SDK, loaded by a replica that stores results in S3 only (~4 MiB of heap the others do not carry). */
const loadS3 = async () => {
  const [{ S3Client, PutObjectCommand, GetObjectCommand }, { getSignedUrl }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  return { S3Client, PutObjectCommand, GetObjectCommand, getSignedUrl };
};

/**
 * Results in an S3-compatible bucket (STORAGE_S3_BUCKET; STORAGE_S3_ENDPOINT
 * for MinIO, R2, s3rver...; credentials from the SDK's standard chain:
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a role...). Objects are
 * `captures/<job id>`; expire them with a bucket lifecycle rule, the
 * service only stops pointing at them after JOB_RESULT_TTL.
 */
export class S3ResultStore implements ResultStore {
  readonly kind = 's3';
  private readonly client: Promise<S3Client>;
  private readonly bucket: string;

  constructor(config: AppConfig) {
    this.bucket = config.STORAGE_S3_BUCKET!;
    this.client = loadS3().then(
      ({ S3Client }) =>
        new S3Client({
          region: config.STORAGE_S3_REGION ?? 'us-east-1',
          ...(config.STORAGE_S3_ENDPOINT
            ? // self-hosted S3 speakers want bucket/key paths, not bucket.host names
              { endpoint: config.STORAGE_S3_ENDPOINT, forcePathStyle: true }
            : {}),
        }),
    );
  }

  private key(id: string): string {
    return `captures/${id}`;
  }

  async put(id: string, body: Buffer, contentType: string): Promise<void> {
    const { PutObjectCommand } = await loadS3();
    await (
      await this.client
    ).send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(id), Body: body, ContentType: contentType }),
    );
  }

  async presignedUrl(id: string, contentDisposition: string): Promise<string> {
    const { GetObjectCommand, getSignedUrl } = await loadS3();
    return getSignedUrl(
      await this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key(id),
        ResponseContentDisposition: contentDisposition,
      }),
      { expiresIn: PRESIGNED_URL_TTL_S },
    );
  }

  close(): void {
    void this.client.then((client) => client.destroy());
  }
}
