/**
 * A local copy of an S3 lake, for DuckDB. DuckDB reads S3 through its httpfs extension, which it
 * downloads on first use from its own extension site; where that site is out of reach (as on this
 * project's build machines) the query would fail. So `npm run sql` copies the lake's Parquet files
 * with the AWS SDK into a cache folder and queries that. A file already copied with the same size
 * is not fetched again: a name holds fixed offsets, so an overwrite has the same content.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface MirrorResult {
  /** The local folder that mirrors `s3://bucket/prefix`. */
  readonly root: string;
  readonly files: number;
  readonly downloaded: number;
  readonly bytesDownloaded: number;
}

/** Copies every `.parquet` object under `prefix` of `bucket` into `cacheDir`, skipping those already there. */
export async function mirrorS3Lake(
  client: Pick<S3Client, 'send'>,
  bucket: string,
  prefix: string,
  cacheDir: string,
): Promise<MirrorResult> {
  const root = path.resolve(cacheDir, bucket, ...prefix.split('/').filter(Boolean));
  const base = prefix === '' ? '' : `${prefix}/`;
  let files = 0;
  let downloaded = 0;
  let bytesDownloaded = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || !key.endsWith('.parquet')) continue;
      files += 1;
      const target = path.join(root, ...key.slice(base.length).split('/'));
      const local = await stat(target).catch(() => undefined);
      if (local !== undefined && local.size === object.Size) continue;
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await body.Body?.transformToByteArray();
      if (bytes === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.part`;
      await writeFile(temporary, bytes);
      await rename(temporary, target);
      downloaded += 1;
      bytesDownloaded += bytes.byteLength;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { root, files, downloaded, bytesDownloaded };
}
