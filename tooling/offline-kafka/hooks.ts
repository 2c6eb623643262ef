/**
 * What an app may plug into the emulator without the emulator knowing the app: a module, named by
 * `custom.offlineKafka.statusHook` in serverless.yml or by the OFFLINE_KAFKA_STATUS_HOOK variable
 * (a path from the service folder), that exports `statusSuffix`. `npm start` names
 * tooling/start/status-hook.ts, which adds the app's current top 3.
 */
/** What serverless offline serves, for a hook that asks the app something. */
export interface StatusContext {
  /** serverless-offline's HTTP API, e.g. http://127.0.0.1:3000 */
  readonly httpBaseUrl: string;
}

export interface StatusHook {
  /** Text appended to each status line; a rejection or undefined leaves the line as it is. */
  statusSuffix(context: StatusContext): Promise<string | undefined>;
}

export class HookError extends Error {
  override name = 'HookError';
}

/** The hook in a loaded module (`file` names it in the error), checking what it exports. */
export function statusHookFrom(loaded: unknown, file: string): StatusHook {
  const statusSuffix = (loaded as { statusSuffix?: unknown } | undefined)?.statusSuffix;
  if (typeof statusSuffix !== 'function') {
    throw new HookError(`status hook ${file} must export a function statusSuffix(context)`);
  }
  return { statusSuffix: async (context) => (await statusSuffix(context)) as string | undefined };
}
