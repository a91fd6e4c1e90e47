/** The ResultStore provider: Redis, or S3 when STORAGE_S3_BUCKET is set. */
export const RESULT_STORE = Symbol('pixashot.jobs.resultStore');
/** The job store's ioredis client (null without asynchronous captures). */
export const JOBS_STORE_CLIENT = Symbol('pixashot.jobs.storeClient');
