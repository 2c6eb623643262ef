/**
 * Where lake files are written: a local folder (the embedded default) or an S3 bucket (AWS, or any
 * S3-compatible endpoint). Both behind {@link LakeStore}: `put` makes a whole file visible at once
 * under its key, replacing any file of that key (a redelivered batch overwrites itself).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface LakeStore {
  /** Writes `bytes` under `key` (relative to the lake root); resolves once it is durable. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Where the lake is, for logs and messages (`/abs/folder` or `s3://bucket/prefix`). */
  readonly location: string;
}

/** Media type of a Parquet file (IANA registration, 2024). */
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/**
 * A folder on the local disk. A file is written next to its final name under a hidden temporary
 * name, then renamed: a reader (DuckDB's `*.parquet` glob) never sees half a file.
 */
export function folderLakeStore(root: string): LakeStore {
  const absolute = path.resolve(root);
  return {
    location: absolute,
    async put(key, bytes) {
      const target = path.join(absolute, ...key.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
      try {
        await writeFile(temporary, bytes, { flush: true });
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

/** An S3 bucket, under `prefix` (no leading or trailing `/`; empty for the bucket's root). */
export function s3LakeStore(client: Pick<S3Client, 'send'>, bucket: string, prefix: string): LakeStore {
  const base = prefix === '' ? '' : `${prefix}/`;
  return {
    location: `s3://${bucket}/${prefix}`,
    async put(key, bytes) {
      // A PUT is atomic in S3: readers see the old object or the new one, never part of one.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${base}${key}`,
          Body: bytes,
          ContentType: PARQUET_CONTENT_TYPE,
        }),
      );
    },
  };
}
