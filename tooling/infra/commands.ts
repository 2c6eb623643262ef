/**
 * Running the commands infra needs (mvn, java, apt-get, `command -v`) without blocking the event
 * loop: readiness checks of the other service keep running while Maven works for a minute.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface CommandResult {
  /** Exit code; null when the command could not run or was ended by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the command did not run or ended early (ENOENT, a signal, an abort), else undefined. */
  readonly failure: string | undefined;
}

export interface CommandOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Ends the command (SIGTERM) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * 'capture' (default) collects stdout and stderr; 'inherit' shows them on this terminal; a path
   * appends both to that log file and captures nothing.
   */
  readonly output?: 'capture' | 'inherit' | { readonly logFile: string };
}

/** Runs `command` to its end. Never rejects: a missing command or a non-zero exit is in the result. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const output = options.output ?? 'capture';
  const log = typeof output === 'object' ? await open(output.logFile, 'a') : undefined;
  try {
    return await new Promise<CommandResult>((resolve) => {
      const stdio =
        output === 'inherit'
          ? (['ignore', 'inherit', 'inherit'] as const)
          : log
            ? (['ignore', log.fd, log.fd] as const)
            : (['ignore', 'pipe', 'pipe'] as const);
      const child = spawn(command, args, {
        env: options.env,
        cwd: options.cwd,
        signal: options.signal,
        stdio: [...stdio],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      let failure: string | undefined;
      child.once('error', (error: NodeJS.ErrnoException) => {
        failure = error.name === 'AbortError' ? 'aborted' : (error.code ?? error.message);
      });
      child.once('close', (code, signal) => {
        resolve({ code, stdout, stderr, failure: failure ?? (signal ? `ended by ${signal}` : undefined) });
      });
    });
  } finally {
    await log?.close();
  }
}

/** The path of `command` on the PATH of `env` (the shell's `command -v`), or undefined. */
export async function commandPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  // "$1" keeps the name an argument, never shell code.
  const result = await runCommand('sh', ['-c', 'command -v -- "$1"', 'sh', command], { env });
  return result.code === 0 ? result.stdout.trim() || undefined : undefined;
}
