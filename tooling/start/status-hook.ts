/**
 * The app's part of the emulator's status line (tooling/offline-kafka/hooks.ts): the current top 3
 * as GET /top-hashtags serves it, or in a few words why it is not available. `npm start` names this
 * module in OFFLINE_KAFKA_STATUS_HOOK; it runs inside serverless offline.
 */
import type { StatusContext } from '../offline-kafka/hooks.ts';
import { fetchTopHashtags, type TopHashtagsResponse } from '../top/response.ts';

const number = new Intl.NumberFormat('en-US');

/** `top: #Spark 120, #Kafka 98, #AWS 40`, from a response's ranking (at most three). */
export function topSuffix(top: Pick<TopHashtagsResponse, 'hashtags'>): string {
  const first = top.hashtags.slice(0, 3);
  return `top: ${first.length === 0 ? 'no hashtags yet' : first.map((h) => `${h.hashtag} ${number.format(h.count)}`).join(', ')}`;
}

export async function statusSuffix(context: StatusContext): Promise<string> {
  try {
    return topSuffix(await fetchTopHashtags(context.httpBaseUrl, { limit: '3' }));
  } catch (error) {
    return `top: ${error instanceof Error ? error.message : String(error)}`;
  }
}
