/**
 * A real S3 implementation on loopback for the tests: moto's server (PyPI `moto`), one process per
 * test file on a free 127.0.0.1 port, in memory, gone when stopped.
 *
 * Why moto: LocalStack's current `localstack-core` needs Python 3.13 (this machine has 3.11) and
 * half a gigabyte; moto serves the S3 REST API with S3's semantics (ListObjectsV2, overwrites,
 * path-style addressing) from a plain venv, starts in about 0.3 s and needs no Docker.
 * It is installed once into `.cache/moto` (about 30 s, PyPI), like cfn-lint in tooling/ci.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { runCommand } from '../../tooling/infra/commands.ts';
import { waitUntilReady } from '../../tooling/infra/wait.ts';
import { freePort } from './ports.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MOTO_VERSION = '5.2.5';
const venv = path.join(repoRoot, '.cache', 'moto');
const motoServer = path.join(venv, 'bin', 'moto_server');

export interface S3Server {
  /** `http://127.0.0.1:<port>`: what ARCHIVE_S3_ENDPOINT is set to. */
  readonly endpoint: string;
  /** A client for the server (path-style, dummy credentials: moto accepts any). */
  readonly client: S3Client;
  /** Creates a bucket and returns its name. */
  createBucket(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Credentials moto accepts; also what a test puts in the environment of code under test. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

async function ensureMoto(): Promise<void> {
  if (
    await access(motoServer).then(
      () => true,
      () => false,
    )
  )
    return;
  const env = process.env;
  const steps: Array<[string, string[]]> = [
    ['python3', ['-m', 'venv', venv]],
    [path.join(venv, 'bin', 'pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`]],
  ];
  for (const [command, args] of steps) {
    const result = await runCommand(command, args, { env });
    if (result.code !== 0) {
      throw new Error(
        `installing moto (the S3 server of the tests) failed: ${command} ${args.join(' ')}: ${result.failure ?? result.stderr.trim().split('\n').at(-1)}. Needs python3 with venv and PyPI.`,
      );
    }
  }
}

/** Starts moto's S3 server on a free loopback port; resolves once it answers. */
export async function startS3Server(): Promise<S3Server> {
  await ensureMoto();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code}): ${stderr.trim().split('\n').at(-1) ?? ''}`;
  });
  await waitUntilReady(
    async () => {
      try {
        return (await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(500) })).ok;
      } catch {
        return false;
      }
    },
    {
      what: `moto S3 on ${endpoint}`,
      timeoutMs: 20_000,
      hint: `Run ${motoServer} by hand to see why.`,
      gaveUp: async () => exited,
      intervalMs: 50,
    },
  );
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      if (exited !== undefined) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
