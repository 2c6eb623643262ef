/**
 * How the reason of a rejected record reads, for every contract and consumer: `<code>: <detail>`,
 * the detail cut at 300 characters so that a dead-letter header and a log line stay small.
 */
const MAX_DETAIL = 300;

export function rejectionReason(code: string, detail: string): string {
  return `${code}: ${detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}...` : detail}`;
}
