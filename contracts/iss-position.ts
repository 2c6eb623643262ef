/**
 * The `iss-positions` record: UTF-8 JSON
 * `{"latitude": -7.9763, "longitude": 20.0481, "timestamp": 1768612204, "source": "open-notify"}`,
 * keyed {@link ISS_POSITION_KEY} so that every position lands on one partition, in order. The same
 * JSON is what the Redis track stores (state/iss/).
 */
import { z } from 'zod';

/** The record key: the ISS's NORAD catalogue number. */
export const ISS_POSITION_KEY = '25544';

/** Where a position came from; `sgp4` is the offline orbit propagation. */
export const ISS_POSITION_SOURCES = ['open-notify', 'wheretheiss', 'sgp4'] as const;

export const issPositionSchema = z.object({
  /** Degrees, -90..90. */
  latitude: z.number().finite().min(-90).max(90),
  /** Degrees, -180..180. */
  longitude: z.number().finite().min(-180).max(180),
  /** Epoch seconds of the observation (the source's own timestamp). */
  timestamp: z.number().finite().nonnegative(),
  source: z.enum(ISS_POSITION_SOURCES),
});

/** A normalised ISS position, exactly as published. */
export type IssPosition = z.infer<typeof issPositionSchema>;

/**
 * The record value for `position`: the four fields in a fixed order, nothing else.
 * @throws z.ZodError when `position` is not a valid position (a bug in the producer, never published).
 */
export function encodeIssPosition(position: IssPosition): string {
  const { latitude, longitude, timestamp, source } = issPositionSchema.parse(position);
  return JSON.stringify({ latitude, longitude, timestamp, source });
}

/** A value that is not a position, and why. */
export interface IssPositionRejection {
  readonly ok: false;
  readonly reason: string;
}

/** Decodes one record value (or stored member); never throws on bad input. */
export function decodeIssPosition(
  value: string | Buffer,
): { readonly ok: true; readonly position: IssPosition } | IssPositionRejection {
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not-json: value is not JSON' };
  }
  const parsed = issPositionSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: `invalid-shape: not an ISS position: ${problems.join('; ')}` };
  }
  return { ok: true, position: parsed.data };
}
