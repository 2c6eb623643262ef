/**
 * How the emulator reports. Every record has a level and a message, plus fields a program can act
 * on without reading the text:
 *
 * - `attention`: what a person at the terminal must see. `status` (the periodic status line),
 *   `notice` (one-off: consuming, stopped), `open` (a problem started: a failing batch, a stuck
 *   partition, an unreachable broker) and `resolved` (that problem ended). Each problem is reported
 *   once when it starts and once when it ends; the attempts in between carry no `attention`.
 * - `event`: a stable name for the kind of record (`consuming`, `batch-failing`, ...).
 *
 * Two sinks: JSON lines on stdout (what `npm start` reads: it shows the `attention` records and
 * files the rest) and serverless's own log (plain text, for `serverless offline start` run by hand).
 */

export type Attention = 'status' | 'notice' | 'open' | 'resolved';

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface LogFields {
  readonly attention?: Attention;
  readonly event?: string;
  readonly [field: string]: unknown;
}

export interface EmulatorLog {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line, in the shape of the functions' Powertools logs (level, message, timestamp). */
export function jsonLinesLog(
  write: (line: string) => void = (line) => process.stdout.write(line),
  service = 'offline-kafka',
): EmulatorLog {
  const emit =
    (level: Level) =>
    (message: string, fields: LogFields = {}) =>
      write(
        `${JSON.stringify({ level, message, service, timestamp: new Date().toISOString(), ...fields })}\n`,
      );
  return { debug: emit('DEBUG'), info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/** serverless's log (notice, warning, error): text only; debug records and fields are left out. */
export function textLog(sink: {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}): EmulatorLog {
  return {
    debug: () => undefined,
    info: (message) => sink.info(message),
    warn: (message) => sink.warn(message),
    error: (message) => sink.error(message),
  };
}

/** A log that keeps nothing (tests, benches). */
export const silentLog: EmulatorLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Remembers which problems are open, so that each is reported once when it starts and once when
 * it ends, however often it is checked.
 */
export class OpenProblems {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly log: EmulatorLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports `key` as open (once) while `failing` is true, and as resolved once it is not. */
  check(
    key: string,
    failing: boolean,
    messages: { readonly opened: () => string; readonly resolved: (openMs: number) => string },
    fields: LogFields = {},
  ): void {
    const since = this.open.get(key);
    if (failing && since === undefined) {
      this.open.set(key, this.now());
      this.log.warn(messages.opened(), { ...fields, attention: 'open' });
    } else if (!failing && since !== undefined) {
      this.open.delete(key);
      this.log.info(messages.resolved(this.now() - since), { ...fields, attention: 'resolved' });
    }
  }
}
