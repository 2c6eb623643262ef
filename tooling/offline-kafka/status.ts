/**
 * The line a person sees every few seconds while the pipeline runs: what the emulator consumed,
 * how far behind it is, and the current top 3 as the HTTP API serves it.
 */
import type { MappingStats } from './emulator.ts';

export interface TopEntry {
  readonly hashtag: string;
  readonly count: number;
}

const number = new Intl.NumberFormat('en-US');

/** One status line for one mapping; `previousRecords` is the count at the last line (for the rate). */
export function formatStatus(
  stats: MappingStats,
  lag: number | undefined,
  previousRecords: number,
  intervalMs: number,
  top: readonly TopEntry[] | string,
): string {
  const rate = Math.round(((stats.records - previousRecords) * 1000) / intervalMs);
  const topText =
    typeof top === 'string'
      ? top
      : top.length === 0
        ? 'no hashtags yet'
        : top.map((t) => `${t.hashtag} ${number.format(t.count)}`).join(', ');
  return [
    `${stats.functionKey} <- ${stats.topic}:`,
    `${number.format(stats.records)} records in ${number.format(stats.batches)} batches (${number.format(rate)}/s),`,
    `${number.format(stats.failedInvocations)} failed invocations,`,
    `lag ${lag === undefined ? '?' : number.format(lag)},`,
    `in flight ${stats.inFlight}/${stats.assignedPartitions.length}${stats.paused > 0 ? ` (${stats.paused} paused)` : ''}`,
    `| top: ${topText}`,
  ].join(' ');
}

/** The ranked entries of a GET /top-hashtags response body. */
export function topEntries(body: unknown, limit = 3): TopEntry[] {
  if (typeof body !== 'object' || body === null) return [];
  const list = (body as { hashtags?: unknown }).hashtags;
  if (!Array.isArray(list)) return [];
  const entries: TopEntry[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const { hashtag, count } = item as { hashtag?: unknown; count?: unknown };
    if (typeof hashtag === 'string' && typeof count === 'number') entries.push({ hashtag, count });
  }
  return entries.slice(0, limit);
}

/** The current top 3 through the HTTP API, or a short reason why it is not available. */
export async function fetchTop(apiBaseUrl: string, timeoutMs = 2000): Promise<TopEntry[] | string> {
  try {
    const response = await fetch(`${apiBaseUrl}/top-hashtags?limit=3`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return `GET /top-hashtags answered ${response.status}`;
    return topEntries(await response.json());
  } catch (error) {
    return `GET /top-hashtags failed (${error instanceof Error ? error.message : String(error)})`;
  }
}
