/**
 * The two ISS position APIs: their documented response shapes (zod), the normalisation into an
 * {@link IssPosition}, and the resilience around each (timeout, jittered retries, circuit breaker).
 *
 * A response that is not a valid position is classified with a reason, reported through
 * `onRejected` (the poller logs and counts it) and never turned into a position.
 */

import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  type IPolicy,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { z } from 'zod';
import type { IssPosition } from '#contracts/iss-position.ts';

/** Why a response was not accepted as a position. */
export type RejectionReason =
  | 'http-status'
  | 'timeout'
  | 'network'
  | 'not-json'
  | 'wrong-shape'
  | 'out-of-range';

/** A response (or the lack of one) that is not a valid ISS position. */
export class IssResponseRejected extends Error {
  constructor(
    readonly source: IssPosition['source'],
    readonly reason: RejectionReason,
    detail: string,
  ) {
    super(`${source}: ${reason}: ${detail}`);
    this.name = 'IssResponseRejected';
  }

  /** Transient failures are worth a retry; a well-formed but wrong answer is not. */
  get retryable(): boolean {
    return this.reason === 'http-status' || this.reason === 'timeout' || this.reason === 'network';
  }
}

// A decimal number written as a string ("-7.9763"): open-notify's documented format.
const numericString = z
  .string()
  .trim()
  .regex(/^[-+]?\d+(\.\d+)?$/, 'not a decimal number')
  .transform(Number);
const latitude = z.number().finite().min(-90).max(90);
const longitude = z.number().finite().min(-180).max(180);
const epochSeconds = z.number().int().positive();

/** http://open-notify.org/Open-Notify-API/ISS-Location-Now/ */
export const openNotifySchema = z.object({
  message: z.literal('success'),
  timestamp: epochSeconds,
  iss_position: z.object({
    latitude: numericString.pipe(latitude),
    longitude: numericString.pipe(longitude),
  }),
});

/** https://wheretheiss.at/w/developer ("satellites/[id]") */
export const whereTheIssSchema = z.object({
  id: z.literal(25544),
  latitude,
  longitude,
  timestamp: epochSeconds,
});

/** Turns a parsed body into a position, or throws {@link IssResponseRejected} with the reason. */
export function parseIssResponse(source: 'open-notify' | 'wheretheiss', body: unknown): IssPosition {
  if (source === 'open-notify') {
    const parsed = openNotifySchema.safeParse(body);
    if (!parsed.success) throw rejectionFromZod(source, parsed.error);
    const { iss_position: p, timestamp } = parsed.data;
    return { latitude: p.latitude, longitude: p.longitude, timestamp, source };
  }
  const parsed = whereTheIssSchema.safeParse(body);
  if (!parsed.success) throw rejectionFromZod(source, parsed.error);
  const { latitude: lat, longitude: lon, timestamp } = parsed.data;
  return { latitude: lat, longitude: lon, timestamp, source };
}

function rejectionFromZod(source: IssPosition['source'], error: z.ZodError): IssResponseRejected {
  const outOfRange = error.issues.some((i) => i.code === 'too_big' || i.code === 'too_small');
  const detail = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  return new IssResponseRejected(source, outOfRange ? 'out-of-range' : 'wrong-shape', detail);
}

/** Fetches and parses one response; aborts with `signal`. */
export async function fetchIssPosition(
  source: 'open-notify' | 'wheretheiss',
  url: string,
  signal: AbortSignal,
): Promise<IssPosition> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw new IssResponseRejected(source, 'timeout', `no answer from ${url} in time`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new IssResponseRejected(source, 'network', `${url}: ${cause ?? (error as Error).message}`);
  }
  if (!response.ok)
    throw new IssResponseRejected(source, 'http-status', `HTTP ${response.status} from ${url}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const type = response.headers.get('content-type') ?? 'no content-type';
    throw new IssResponseRejected(
      source,
      'not-json',
      `${type}, starts with ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return parseIssResponse(source, body);
}

/** Tuning of the resilience around one API. */
export interface ResilienceOptions {
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Retries after the first attempt, for transient failures only. */
  readonly retries: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Consecutive failures that open the circuit. */
  readonly breakAfter: number;
  /** How long an open circuit skips the source before one trial request. */
  readonly halfOpenAfterMs: number;
}

export const DEFAULT_RESILIENCE: Omit<ResilienceOptions, 'timeoutMs'> = {
  retries: 1,
  backoffInitialMs: 100,
  backoffMaxMs: 1000,
  breakAfter: 3,
  halfOpenAfterMs: 30_000,
};

/** One place a position can come from. */
export interface IssSource {
  readonly name: IssPosition['source'];
  /** A position, or a rejection (already reported through `onRejected`). */
  fetch(signal: AbortSignal): Promise<IssPosition>;
}

export type RejectionListener = (rejection: IssResponseRejected) => void;

/**
 * A source going down and coming back, each reported once (not once per poll): what the log tells
 * a person with `attention: 'open' | 'resolved'` (docs/local.md, "What reaches the terminal").
 */
export interface SourceHealthListener {
  down(rejection: IssResponseRejected): void;
  recovered(source: IssPosition['source'], downForMs: number): void;
}

/** Remembers whether each source is down, so that only the transitions are reported. */
export function sourceHealth(listener: SourceHealthListener, now: () => number = Date.now) {
  const downSince = new Map<IssPosition['source'], number>();
  return {
    rejected(rejection: IssResponseRejected): void {
      if (downSince.has(rejection.source)) return;
      downSince.set(rejection.source, now());
      listener.down(rejection);
    },
    answered(source: IssPosition['source']): void {
      const since = downSince.get(source);
      if (since === undefined) return;
      downSince.delete(source);
      listener.recovered(source, now() - since);
    },
  };
}

/**
 * An API source behind timeout → circuit breaker → retry (innermost first). Each rejected
 * attempt is reported; when the circuit is open the source fails at once with
 * {@link BrokenCircuitError} and no request is made. Create it at module scope: the circuit's
 * state then carries across warm invocations.
 */
export function createApiSource(
  name: 'open-notify' | 'wheretheiss',
  url: string,
  options: ResilienceOptions,
  onRejected: RejectionListener,
  health?: ReturnType<typeof sourceHealth>,
): IssSource & { readonly circuit: { readonly state: unknown } } {
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakAfter),
  });
  // ExponentialBackoff's default generator adds decorrelated jitter.
  const retryPolicy = retry(
    handleWhen((e) => e instanceof IssResponseRejected && e.retryable),
    {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({
        initialDelay: options.backoffInitialMs,
        maxDelay: options.backoffMaxMs,
      }),
    },
  );
  // Cooperative: the request sees the abort and settles as a 'timeout' rejection.
  const timeoutPolicy = timeout(options.timeoutMs, TimeoutStrategy.Cooperative);
  const policy: IPolicy = wrap(retryPolicy, breaker, timeoutPolicy);
  return {
    name,
    circuit: breaker,
    fetch: (outer) =>
      policy.execute(async ({ signal }) => {
        try {
          const position = await fetchIssPosition(name, url, signal);
          health?.answered(name);
          return position;
        } catch (error) {
          if (error instanceof IssResponseRejected) {
            onRejected(error);
            health?.rejected(error);
          }
          throw error;
        }
      }, outer),
  };
}

export { BrokenCircuitError };
