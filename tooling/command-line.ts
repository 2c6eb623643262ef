/**
 * What every `npm run <tool>` command line does the same way, after node:util parseArgs: `--help`
 * prints the usage (exit 0), and a command line that cannot be read prints why, then the usage
 * (exit 2), so the person sees at once how to call it.
 */
import { errorMessage } from '#lib/errors.ts';

export type CommandLine<T> =
  | { readonly ok: true; readonly args: T }
  | { readonly ok: false; readonly exitCode: 0 | 2 };

export function readCommandLine<T>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => T,
  isHelp: (args: T) => boolean,
  usage: string,
): CommandLine<T> {
  let args: T;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n${usage}\n`);
    return { ok: false, exitCode: 2 };
  }
  if (isHelp(args)) {
    process.stdout.write(`${usage}\n`);
    return { ok: false, exitCode: 0 };
  }
  return { ok: true, args };
}
