/**
 * Runs `serverless package --stage <stage>` the way a user would before a deploy, offline and with
 * no AWS account, on a private copy of the service: the shared working tree's .esbuild/ and
 * layers/runtime/ are left alone for whoever is running `serverless offline` at the same time.
 *
 * Packaging takes a while and every deploy test reads the same output, so the artifacts are kept
 * in .cache/serverless-package/, keyed by a hash of everything that goes into them (the service's
 * files, the stage, the parameters, the edited serverless.yml, the Node version): a stage is
 * packaged once, by the first test file that asks, and again only when an input changes. Jest
 * workers asking for the same key at once wait for the one that packages it (a lock directory).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pWaitFor from 'p-wait-for';

const run = promisify(execFile);
/** The service's own folder: the working tree the tests run in. */
export const SERVICE_ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(SERVICE_ROOT, '.cache', 'serverless-package');
/**
 * What is not part of the service: dependencies (linked, and pinned by package-lock.json),
 * generated output, and what no function bundles (tests, benches, docs). Everything else is
 * copied, so a new source folder needs no change here.
 */
const NOT_SERVICE = new Set([
  'node_modules',
  '.git',
  '.cache',
  '.esbuild',
  '.serverless',
  '.ci',
  'coverage',
  'tests',
  'bench',
  'docs',
  'README.md',
  path.join('layers', 'runtime', 'nodejs'),
]);
const PACKAGE_TIMEOUT_MS = 240_000;

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
  /** What `--package` wrote: the template and the zips. Shared: read it, do not change it. */
  readonly artifactsDir: string;
  readonly template: CfnTemplate;
  readonly templatePath: string;
  /** Zip file name (`iss-poller.zip`, `runtime.zip`, ...) → size in bytes. */
  readonly artifacts: Record<string, number>;
}

export interface PackageOptions {
  readonly params?: Record<string, string>;
  /** Edits the copied serverless.yml first (e.g. adds a stage's params, as a user would). */
  readonly editServerlessYml?: (yaml: string) => string;
  /** Names the variant in the cache folder's name when serverless.yml is edited. */
  readonly variant?: string;
}

const isServiceFile = (relative: string) => !NOT_SERVICE.has(relative);

/** The service's files, relative to the root, sorted (what is copied and hashed). */
async function serviceFiles(dir = SERVICE_ROOT, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (!isServiceFile(relative)) continue;
    if (entry.isDirectory()) files.push(...(await serviceFiles(path.join(dir, entry.name), relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files.sort();
}

/**
 * A private copy of the service (sources, serverless.yml, plugins; node_modules linked) in a
 * temporary folder, optionally with serverless.yml edited, and the environment to run osls in
 * there with no AWS credentials at all (and no instance metadata to find them in).
 */
export async function copyService(
  prefix: string,
  editServerlessYml?: (yaml: string) => string,
  parent = tmpdir(),
): Promise<{ dir: string; env: NodeJS.ProcessEnv; serverlessBin: string }> {
  const dir = await mkdtemp(path.join(parent, prefix));
  for (const file of await serviceFiles()) {
    await cp(path.join(SERVICE_ROOT, file), path.join(dir, file), { recursive: true });
  }
  await symlink(path.join(SERVICE_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (editServerlessYml) {
    const file = path.join(dir, 'serverless.yml');
    await writeFile(file, editServerlessYml(await readFile(file, 'utf8')));
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

/** Hash of everything `serverless package` reads for this stage and these options. */
async function inputsHash(stage: string, options: PackageOptions): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ stage, params: options.params ?? {}, node: process.version }));
  for (const file of await serviceFiles()) {
    let content = await readFile(path.join(SERVICE_ROOT, file));
    if (file === 'serverless.yml' && options.editServerlessYml) {
      content = Buffer.from(options.editServerlessYml(content.toString('utf8')));
    }
    hash.update(`\0${file}\0`).update(content);
  }
  return hash.digest('hex').slice(0, 16);
}

async function readPackaged(artifactsDir: string): Promise<PackagedService> {
  const templatePath = path.join(artifactsDir, 'cloudformation-template-update-stack.json');
  const artifacts: Record<string, number> = {};
  for (const file of (await readdir(artifactsDir)).filter((f) => f.endsWith('.zip'))) {
    artifacts[file] = (await stat(path.join(artifactsDir, file))).size;
  }
  return {
    artifactsDir,
    template: JSON.parse(await readFile(templatePath, 'utf8')) as CfnTemplate,
    templatePath,
    artifacts,
  };
}

/** Packages into a fresh folder under the cache and moves the result to `target` in one rename. */
async function packageInto(target: string, stage: string, options: PackageOptions): Promise<void> {
  const { dir, env, serverlessBin } = await copyService(`work-${stage}-`, options.editServerlessYml, CACHE);
  const artifactsDir = path.join(dir, '.artifacts');
  const params = Object.entries(options.params ?? {}).map(([k, v]) => `--param=${k}=${v}`);
  try {
    await run(
      process.execPath,
      [serverlessBin, 'package', '--stage', stage, '--package', artifactsDir, ...params],
      { cwd: dir, env, maxBuffer: 16 * 1024 * 1024, timeout: PACKAGE_TIMEOUT_MS },
    );
    await rename(artifactsDir, target).catch((error: unknown) => {
      // Another worker that took over a stale lock got there first: its result is as good.
      if (!existsSync(target)) throw error;
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `serverless package --stage ${stage} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Takes `lock` (a directory holding the owner's pid); a lock whose owner died is taken over. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(path.join(lock, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => ''));
    // No pid yet: the owner is between mkdir and writeFile; wait for it.
    if (owner > 0 && !alive(owner)) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

/** Removes what older inputs left in the cache for this stage and variant (kept 10 minutes for a run still reading them). */
async function pruneOlder(name: string, keep: string): Promise<void> {
  const tenMinutesAgo = Date.now() - 600_000;
  for (const entry of await readdir(CACHE)) {
    if (!entry.startsWith(`${name}-`) || entry === keep || entry.endsWith('.lock')) continue;
    const full = path.join(CACHE, entry);
    if ((await stat(full)).mtimeMs < tenMinutesAgo) await rm(full, { recursive: true, force: true });
  }
}

/**
 * The packaged `stage` (with `options`), from the cache when its inputs have not changed since it
 * was packaged, else packaged now. The result is shared between test files: do not change it.
 */
export async function packageStage(stage: string, options: PackageOptions = {}): Promise<PackagedService> {
  await mkdir(CACHE, { recursive: true });
  const name = options.variant ? `${stage}-${options.variant}` : stage;
  const entry = `${name}-${await inputsHash(stage, options)}`;
  const target = path.join(CACHE, entry);
  const lock = `${target}.lock`;
  await pWaitFor(async () => existsSync(target) || (await tryLock(lock)), {
    interval: 250,
    timeout: { milliseconds: PACKAGE_TIMEOUT_MS + 30_000, message: `waited too long for ${lock}` },
  });
  if (!existsSync(target)) {
    try {
      await packageInto(target, stage, options);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
    await pruneOlder(name, entry);
  }
  return readPackaged(target);
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
