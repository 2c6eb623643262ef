/**
 * `npm run top`: a live table of the current window's top hashtags, redrawn in place every few
 * seconds from GET /top-hashtags (the Spark job printed its top list to the console every 10 s).
 *
 *   npm run top -- [--url http://127.0.0.1:3000] [--limit 10] [--interval 5] [--view tumbling|sliding|trending]
 *
 * Ctrl-C ends it. When the API does not answer it says so in one line and keeps trying.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import logUpdate from 'log-update';
import { renderTop } from './render.ts';
import { fetchTopHashtags, TopApiError } from './response.ts';

const VIEWS = ['tumbling', 'sliding', 'trending'] as const;
type View = (typeof VIEWS)[number];

const USAGE =
  'usage: npm run top -- [--url http://127.0.0.1:3000] [--limit 1-100] [--interval seconds] [--view tumbling|sliding|trending]';

interface TopOptions {
  readonly url: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly view: View;
}

function options(argv: string[]): TopOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.TOP_URL ?? 'http://127.0.0.1:3000' },
      limit: { type: 'string', default: '10' },
      interval: { type: 'string', default: '5' },
      view: { type: 'string', default: 'tumbling' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const limit = Number(values.limit);
  const interval = Number(values.interval);
  const problems: string[] = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    problems.push(`--limit must be 1 to 100 (got ${values.limit})`);
  if (!(interval >= 1)) problems.push(`--interval must be at least 1 second (got ${values.interval})`);
  if (!VIEWS.includes(values.view as View))
    problems.push(`--view must be tumbling, sliding or trending (got ${values.view})`);
  if (!/^https?:\/\//.test(values.url)) problems.push(`--url must be an http(s) URL (got ${values.url})`);
  if (problems.length > 0) throw new TopApiError(`${problems.join('; ')}\n${USAGE}`);
  return {
    url: values.url.replace(/\/+$/, ''),
    limit,
    intervalMs: interval * 1000,
    view: values.view as View,
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    try {
      const top = await fetchTopHashtags(o.url, { limit: String(o.limit), view: o.view });
      logUpdate(renderTop(top, new Date()));
    } catch (error) {
      if (!(error instanceof TopApiError)) throw error;
      logUpdate(`${error.message} (trying again every ${o.intervalMs / 1000} s; Ctrl-C ends)`);
    }
    // Ctrl-C ends the wait at once.
    await sleep(o.intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
  }
  logUpdate.done();
}

main().catch((error: unknown) => {
  const known =
    error instanceof TopApiError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(
    known
      ? `npm run top: ${(error as Error).message}${error instanceof TopApiError ? '' : `\n${USAGE}`}`
      : error,
  );
  process.exitCode = 1;
});
