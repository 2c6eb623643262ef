/**
 * Runs `serverless package --stage <stage>` the way a user would before a deploy, offline and with
 * no AWS account, on a private copy of the service: the shared working tree's .esbuild/ and
 * layers/runtime/ are left alone for whoever is running `serverless offline` at the same time.
 * Returns the CloudFormation template and the artifacts' paths and sizes.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const COPIED = ['serverless.yml', 'package.json', 'package-lock.json', 'tsconfig.json', '.npmrc'];
const COPIED_DIRS = ['functions', 'lib', 'state', 'tooling'];

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}
export interface PackagedService {
  readonly dir: string;
  readonly artifactsDir: string;
  readonly template: CfnTemplate;
  readonly templatePath: string;
  /** Zip file name (`iss-poller.zip`, `runtime.zip`, ...) → size in bytes. */
  readonly artifacts: Record<string, number>;
  readonly cleanup: () => void;
}

export interface PackageOptions {
  readonly params?: Record<string, string>;
  /** Edits the copied serverless.yml first (e.g. adds a stage's params, as a user would). */
  readonly editServerlessYml?: (yaml: string) => string;
}

/**
 * A private copy of the service (sources, serverless.yml, plugins; node_modules linked) in a
 * temporary folder, optionally with serverless.yml edited, and the environment to run osls in
 * there with no AWS credentials at all (and no instance metadata to find them in).
 */
export function copyService(
  prefix: string,
  editServerlessYml?: (yaml: string) => string,
): { dir: string; env: NodeJS.ProcessEnv; serverlessBin: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const file of COPIED) {
    try {
      cpSync(path.join(ROOT, file), path.join(dir, file));
    } catch {
      // .npmrc is optional
    }
  }
  for (const folder of COPIED_DIRS)
    cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (editServerlessYml) {
    const file = path.join(dir, 'serverless.yml');
    writeFileSync(file, editServerlessYml(readFileSync(file, 'utf8')));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    delete env[name];
  }
  return { dir, env, serverlessBin: path.join(dir, 'node_modules/osls/bin/serverless.js') };
}

export async function packageStage(stage: string, options: PackageOptions = {}): Promise<PackagedService> {
  const { dir, env, serverlessBin } = copyService(`sls-package-${stage}-`, options.editServerlessYml);
  const artifactsDir = path.join(dir, '.artifacts');
  const params = Object.entries(options.params ?? {}).map(([k, v]) => `--param=${k}=${v}`);
  try {
    await run(
      process.execPath,
      [serverlessBin, 'package', '--stage', stage, '--package', artifactsDir, ...params],
      { cwd: dir, env, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `serverless package --stage ${stage} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
  const templatePath = path.join(artifactsDir, 'cloudformation-template-update-stack.json');
  const artifacts = Object.fromEntries(
    readdirSync(artifactsDir)
      .filter((f) => f.endsWith('.zip'))
      .map((f) => [f, statSync(path.join(artifactsDir, f)).size]),
  );
  return {
    dir,
    artifactsDir,
    template: JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate,
    templatePath,
    artifacts,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every inline policy of an IAM role. */
export function roleStatements(role: CfnResource): PolicyStatement[] {
  const policies = (role.Properties.Policies ?? []) as Array<{
    PolicyDocument: { Statement: PolicyStatement[] };
  }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** File names inside a zip (unzip -Z1). */
export async function zipEntries(zipPath: string): Promise<string[]> {
  const { stdout } = await run('unzip', ['-Z1', zipPath], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter(Boolean);
}
