/**
 * The polling loop of one invocation: a poll every `intervalMs`, on a fixed grid from the start
 * (no drift), while the invocation is younger than `pollDurationMs` and has more than a safety
 * margin left. Each poll asks the sources in order (primary API, fallback API, SGP4) and takes
 * the first valid position; a position that is not newer than the last one this invocation
 * published is not published. The poller writes to Kafka only: `iss-tracker` derives the Redis
 * state from the topic and ignores a position older than the latest it holds, which covers an
 * overlapping invocation (reserved concurrency 1 makes that rare).
 *
 * Plain TypeScript with the clock, sleep, sources and sinks injected: tests drive it without
 * Lambda and without waiting real time.
 */
import type { IssPosition } from '#contracts/iss-position.ts';
import type { Clock } from '#lib/clock.ts';
import { errorMessage } from '#lib/errors.ts';
import { BrokenCircuitError, IssResponseRejected, type IssSource } from './api-sources.ts';

export interface PollPlan {
  readonly intervalMs: number;
  /** Polls start while less than this has elapsed since the start (the first poll always runs). */
  readonly pollDurationMs: number;
  /** What the invocation has left at the start (`context.getRemainingTimeInMillis()`). */
  readonly remainingMs: number;
  /** Kept free at the end for the last publish, the flush and the return. */
  readonly safetyMarginMs: number;
  /** Longest time one poll may spend on the APIs before the offline source answers instead. */
  readonly pollBudgetMs: number;
}

export interface PollerDependencies {
  /** In order of preference; the offline source (if any) last. */
  readonly sources: readonly IssSource[];
  /** Sends the position to Kafka and waits for the acknowledgement. */
  readonly publish: (position: IssPosition) => Promise<void>;
  readonly clock: Clock;
  readonly onEvent?: (event: PollEvent) => void;
}

export type PollEvent =
  | { readonly type: 'published'; readonly position: IssPosition }
  | { readonly type: 'duplicate'; readonly position: IssPosition; readonly lastTimestamp: number | undefined }
  | { readonly type: 'source-skipped'; readonly source: IssSource['name']; readonly reason: string }
  /** A failure that is neither a rejected answer nor an open circuit: a bug or an unforeseen error. */
  | { readonly type: 'source-failed'; readonly source: IssSource['name']; readonly error: unknown }
  | { readonly type: 'no-position'; readonly poll: number };

export interface PollSummary {
  polls: number;
  published: number;
  duplicates: number;
  noPosition: number;
  bySource: Record<IssSource['name'], number>;
  lastTimestamp: number | undefined;
}

/** Runs the loop and returns what it did. Kafka errors propagate (the invocation fails). */
export async function pollIss(plan: PollPlan, deps: PollerDependencies): Promise<PollSummary> {
  const { clock } = deps;
  const start = clock.now();
  const hardDeadline = start + Math.max(0, plan.remainingMs - plan.safetyMarginMs);
  const lastStart = Math.min(start + plan.pollDurationMs, hardDeadline);
  const summary: PollSummary = {
    polls: 0,
    published: 0,
    duplicates: 0,
    noPosition: 0,
    bySource: { 'open-notify': 0, wheretheiss: 0, sgp4: 0 },
    lastTimestamp: undefined,
  };

  for (let slot = 0; ; ) {
    const slotStart = start + slot * plan.intervalMs;
    if (summary.polls > 0 && slotStart >= lastStart) break;
    const wait = slotStart - clock.now();
    if (wait > 0) await clock.sleep(wait);

    summary.polls += 1;
    const budgetEnd = Math.min(clock.now() + plan.pollBudgetMs, hardDeadline);
    const position = await firstPosition(deps, budgetEnd);
    if (!position) {
      summary.noPosition += 1;
      deps.onEvent?.({ type: 'no-position', poll: summary.polls });
    } else if (summary.lastTimestamp !== undefined && position.timestamp <= summary.lastTimestamp) {
      summary.duplicates += 1;
      deps.onEvent?.({ type: 'duplicate', position, lastTimestamp: summary.lastTimestamp });
    } else {
      await deps.publish(position);
      summary.published += 1;
      summary.bySource[position.source] += 1;
      summary.lastTimestamp = position.timestamp;
      deps.onEvent?.({ type: 'published', position });
    }

    // Next slot on the grid; slots missed by a slow poll are skipped, not caught up.
    slot = Math.max(slot + 1, Math.ceil((clock.now() - start) / plan.intervalMs));
  }
  return summary;
}

async function firstPosition(deps: PollerDependencies, budgetEnd: number): Promise<IssPosition | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, budgetEnd - deps.clock.now()));
  try {
    for (const source of deps.sources) {
      // The offline source answers at once; only network sources are cut by the budget.
      if (controller.signal.aborted && source.name !== 'sgp4') continue;
      try {
        return await source.fetch(controller.signal);
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          deps.onEvent?.({ type: 'source-skipped', source: source.name, reason: 'circuit open' });
        } else if (source.name === 'sgp4') {
          deps.onEvent?.({ type: 'source-skipped', source: source.name, reason: errorMessage(error) });
        } else if (!(error instanceof IssResponseRejected)) {
          deps.onEvent?.({ type: 'source-failed', source: source.name, error });
        }
        // API rejections were already reported by the source itself.
      }
    }
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
