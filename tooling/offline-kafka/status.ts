/**
 * The line a person sees every few seconds while the emulator runs: what it consumed, how far
 * behind it is, and (from the app's status hook, see hooks.ts) whatever the app adds.
 */
import type { MappingStats } from './emulator.ts';

const number = new Intl.NumberFormat('en-US');

/**
 * One status line for one mapping; `previousRecords` is the count at the last line (for the rate),
 * `suffix` the app's part (e.g. its current top list), appended after a `|`.
 */
export function formatStatus(
  stats: MappingStats,
  lag: number | undefined,
  previousRecords: number,
  intervalMs: number,
  suffix?: string,
): string {
  const rate = Math.round(((stats.records - previousRecords) * 1000) / intervalMs);
  return [
    `${stats.functionKey} <- ${stats.topic}:`,
    `${number.format(stats.records)} records in ${number.format(stats.batches)} batches (${number.format(rate)}/s),`,
    `${number.format(stats.failedInvocations)} failed invocations,`,
    `lag ${lag === undefined ? '?' : number.format(lag)},`,
    `in flight ${stats.inFlight}/${stats.assignedPartitions.length}${stats.paused > 0 ? ` (${stats.paused} paused)` : ''}`,
    ...(suffix ? [`| ${suffix}`] : []),
  ].join(' ');
}
