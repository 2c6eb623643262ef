/**
 * Where the lake lives, from the environment (parsed once, like lib/config.ts):
 * - `ARCHIVE_BUCKET` set: S3, under `ARCHIVE_PREFIX` (default `lake`); `ARCHIVE_S3_ENDPOINT` points
 *   at any S3-compatible server (path-style addressing then); region from `AWS_REGION`.
 * - otherwise a folder, `ARCHIVE_DIR` (default `.data/lake`, relative to the working directory).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { folderLakeStore, type LakeStore, s3LakeStore } from './store.ts';

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const lakeEnvSchema = z.object({
  ARCHIVE_DIR: z.string().trim().min(1).default('.data/lake'),
  ARCHIVE_BUCKET: optional.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
  ),
  ARCHIVE_PREFIX: z
    .string()
    .trim()
    .default('lake')
    .transform((v) => v.replace(/^\/+|\/+$/g, '')),
  ARCHIVE_S3_ENDPOINT: optional.pipe(z.url().optional()),
  AWS_REGION: z.string().min(1).default('us-east-1'),
});

export type LakeConfig =
  | { readonly kind: 'folder'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint: string | undefined;
      readonly region: string;
    };

/** Thrown when a lake variable is invalid; the message names every bad one. */
export class LakeConfigError extends Error {
  override name = 'LakeConfigError';
}

/** Parses the lake's variables. Pure: pass any record to test it. */
export function loadLakeConfig(env: Readonly<Record<string, string | undefined>> = process.env): LakeConfig {
  const parsed = lakeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new LakeConfigError(`Invalid lake configuration:\n  - ${problems.join('\n  - ')}`);
  }
  const e = parsed.data;
  if (e.ARCHIVE_BUCKET === undefined) return Object.freeze({ kind: 'folder', dir: e.ARCHIVE_DIR });
  return Object.freeze({
    kind: 's3',
    bucket: e.ARCHIVE_BUCKET,
    prefix: e.ARCHIVE_PREFIX,
    endpoint: e.ARCHIVE_S3_ENDPOINT,
    region: e.AWS_REGION,
  });
}

/** An S3 client for `config` (path-style when an endpoint is set: most S3-compatible servers need it). */
export function lakeS3Client(config: Extract<LakeConfig, { kind: 's3' }>): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint, forcePathStyle: true }),
  });
}

/** The store `config` describes. */
export function lakeStoreFor(config: LakeConfig): LakeStore {
  return config.kind === 'folder'
    ? folderLakeStore(config.dir)
    : s3LakeStore(lakeS3Client(config), config.bucket, config.prefix);
}
