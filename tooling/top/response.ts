/**
 * What the local tools read of `GET /top-hashtags` (openapi/openapi.yaml, TopHashtags): the window,
 * its watermark, the ranking and the totals. Checked with zod, so a changed API fails here with the
 * field named instead of drawing a wrong table.
 */
import { z } from 'zod';

export const topHashtagsResponse = z.object({
  topic: z.string(),
  view: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  complete: z.boolean(),
  watermark: z.string().nullable(),
  hashtags: z.array(
    z.object({
      rank: z.number().int(),
      hashtag: z.string(),
      count: z.number(),
      // view=trending only.
      baseline: z.number().optional(),
      score: z.number().optional(),
    }),
  ),
  totals: z.object({ hashtags: z.number(), count: z.number() }),
});

export type TopHashtagsResponse = z.infer<typeof topHashtagsResponse>;

/** A problem reaching or reading the API, worded for the one line a person sees. */
export class TopApiError extends Error {
  override name = 'TopApiError';
}

/** `GET <apiBase>/top-hashtags?...`, decoded; rejects with a TopApiError that names the API and `npm start`. */
export async function fetchTopHashtags(
  apiBase: string,
  query: Readonly<Record<string, string>>,
  timeoutMs = 2000,
): Promise<TopHashtagsResponse> {
  const url = `${apiBase}/top-hashtags?${new URLSearchParams(query)}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new TopApiError(
      `the top-hashtags API at ${apiBase} does not answer (${cause}): is \`npm start\` running?`,
    );
  }
  if (!response.ok) {
    throw new TopApiError(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
  const parsed = topHashtagsResponse.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TopApiError(
      `GET ${url} answered an unexpected body (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
    );
  }
  return parsed.data;
}
