/**
 * The run's log file, `.cache/logs/npm-start-<time>.log`: every line serverless offline, the
 * functions, the emulator and kafkajs print, as printed (JSON lines stay JSON lines, for jq).
 * The ten newest runs are kept.
 */
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const KEEP = 10;

export interface RunLog {
  readonly file: string;
  write(line: string): void;
  close(): Promise<void>;
}

export function openRunLog(dir: string, now = new Date()): RunLog {
  mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  const file = path.join(dir, `npm-start-${stamp}-${process.pid}.log`);
  const old = readdirSync(dir)
    .filter((f) => f.startsWith('npm-start-') && f.endsWith('.log'))
    .sort()
    .slice(0, -(KEEP - 1));
  for (const f of old) rmSync(path.join(dir, f), { force: true });
  const stream = createWriteStream(file, { flags: 'a' });
  return {
    file,
    write: (line) => {
      stream.write(`${line}\n`);
    },
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
