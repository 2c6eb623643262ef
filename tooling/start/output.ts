/**
 * What of serverless offline's output reaches the terminal. Everything goes to the run's log file;
 * the terminal gets only the JSON records that carry an `attention` field (the emulator's status
 * line and problems, a function's problem such as an ISS API going down and coming back; see
 * tooling/offline-kafka/log.ts), unless LOG_LEVEL=DEBUG asks to see every line live.
 *
 * Decided by structure, never by the words of a message: a function or plugin that wants a person
 * to see something logs it with `attention: "open" | "resolved" | "notice" | "status"`.
 */

const ATTENTION = new Set(['status', 'notice', 'open', 'resolved']);

interface AttentionRecord {
  readonly level?: unknown;
  readonly message?: unknown;
  readonly service?: unknown;
  readonly attention: string;
  readonly event?: unknown;
}

/** The object in a line of JSON (a structured log record), or undefined for any other line. */
export function jsonRecord(line: string): Readonly<Record<string, unknown>> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The record in a JSON line, when it is one that asks for a person's attention. */
export function attentionRecord(line: string): AttentionRecord | undefined {
  const parsed = jsonRecord(line);
  if (!parsed) return undefined;
  const attention = parsed.attention;
  return typeof attention === 'string' && ATTENTION.has(attention) ? { ...parsed, attention } : undefined;
}

/** The terminal's text for an attention record: the status line as it is, the rest with who says it. */
export function renderAttention(record: AttentionRecord): string {
  const message = typeof record.message === 'string' ? record.message : JSON.stringify(record.message);
  if (record.attention === 'status') return message;
  const who = typeof record.service === 'string' ? `[${record.service}] ` : '';
  if (record.attention === 'open')
    return `${who}${typeof record.level === 'string' ? record.level : 'WARN'} ${message}`;
  if (record.attention === 'resolved') return `${who}OK ${message}`;
  return `${who}${message}`;
}

/** What the terminal shows for one line of output (undefined: the log file only). */
export function terminalText(line: string, verbose: boolean): string | undefined {
  const record = attentionRecord(line);
  if (record) return renderAttention(record);
  return verbose ? line : undefined;
}
