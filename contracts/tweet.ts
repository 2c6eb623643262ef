/**
 * The `tweets_topic` record: UTF-8 JSON in exactly the shape the Spark-era producer wrote,
 * `{"usuario": "@SparkGuru", "texto": "proyecto sobre #Spark", "hashtag_principal": "#Spark", "timestamp": 1733940000.25}`.
 *
 * Producers write it with {@link encodeTweet}; the counter reads it with {@link decodeTweet} /
 * {@link decodeTweetBase64}: base64 -> bytes -> strict UTF-8 -> JSON -> {@link tweetSchema} ->
 * event time and hashtags (the producers' exact shape takes a fast path with the same verdicts).
 * Every failure is a {@link Rejection} with a reason for the dead-letter topic; nothing here throws
 * on bad input. Producer tests decode their output with the same
 * functions, so the two sides cannot drift apart.
 */
import { z } from 'zod';
import { epochSecondsToMs } from './event-time.ts';
import { type Hashtag, hashtagsInText, parseHashtag } from './hashtag.ts';

/**
 * The tweet as it travels. Unknown fields are ignored (and never copied: zod builds a fresh
 * object, so `__proto__` keys are inert); the bounds keep a hostile record cheap to reject.
 */
export const tweetSchema = z.object({
  usuario: z.string().max(512),
  texto: z.string().max(8192),
  /** Counted alone when set; otherwise every distinct `#tag` in `texto` is counted. */
  hashtag_principal: z.string().max(1024).nullish(),
  /** Event time, epoch seconds (fractions allowed). */
  timestamp: z.number(),
});

export type Tweet = z.infer<typeof tweetSchema>;

/** The record value for `tweet`: JSON with the four fields in the seed's order, nothing else. */
export function encodeTweet(tweet: Tweet): string {
  const { usuario, texto, hashtag_principal, timestamp } = tweet;
  return JSON.stringify({ usuario, texto, hashtag_principal, timestamp });
}

/** Bounds on what a record may hold. */
export interface DecodeLimits {
  /** Largest record value accepted, in bytes (a tweet is well under 2 KiB). */
  readonly maxValueBytes: number;
  /** How far the event time may be ahead of the record's Kafka timestamp, in ms. */
  readonly maxFutureSkewMs: number;
}

export const DEFAULT_MAX_VALUE_BYTES = 16 * 1024;

/** Why a record could not be counted (the `dlq-reason` header starts with the code). */
export type RejectionCode =
  | 'no-value'
  | 'too-large'
  | 'not-utf8'
  | 'not-json'
  | 'invalid-shape'
  | 'invalid-event-time'
  | 'future-event-time'
  | 'invalid-hashtag'
  | 'no-hashtag';

export interface Rejection {
  readonly ok: false;
  readonly code: RejectionCode;
  /** Human-readable, bounded in length. */
  readonly reason: string;
}

export interface DecodedTweet {
  readonly ok: true;
  /** Event time, epoch ms. */
  readonly eventTime: number;
  /** What the record counts for: `hashtag_principal`, or the distinct tags of `texto`. */
  readonly hashtags: readonly Hashtag[];
}

/**
 * Decodes one record value.
 * @param kafkaTimestampMs the record's Kafka timestamp: the reference for "too far in the future",
 *   so that a redelivered record gets the same verdict as the first time.
 */
export function decodeTweet(
  bytes: Buffer | null,
  kafkaTimestampMs: number,
  limits: DecodeLimits,
): DecodedTweet | Rejection {
  if (bytes === null) return reject('no-value', 'record has no value (tombstone)');
  if (bytes.length > limits.maxValueBytes) return tooLarge(bytes.length, limits);
  return decodeBytes(bytes, kafkaTimestampMs, limits);
}

// Strict: invalid sequences, overlongs and encoded surrogates throw (one pass, faster than check + decode).
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Decoding base64 into one reused buffer spares an allocation per record (the hot path).
let scratch = Buffer.allocUnsafe(DEFAULT_MAX_VALUE_BYTES);

/** {@link decodeTweet} for a value as the Lambda event carries it (base64, null for a tombstone). */
export function decodeTweetBase64(
  base64: string | null,
  kafkaTimestampMs: number,
  limits: DecodeLimits,
): DecodedTweet | Rejection {
  if (base64 === null) return reject('no-value', 'record has no value (tombstone)');
  const size = base64DecodedBytes(base64);
  if (size > limits.maxValueBytes) return tooLarge(size, limits);
  const ascii = asciiExactShape(base64);
  if (ascii !== undefined) return countTweet(ascii, kafkaTimestampMs, limits);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size);
  const written = scratch.write(base64, 0, 'base64');
  return decodeBytes(scratch.subarray(0, written), kafkaTimestampMs, limits);
}

/**
 * The tweet when the bytes `base64` holds are pure ASCII in the producers' exact shape; otherwise
 * undefined, and the bytes take the general path. atob gives the bytes as a one-byte string in one
 * call (cheaper than base64 into a buffer, then UTF-8 to a string); for input atob accepts they are
 * the bytes Buffer decodes (tests/unit/counter-decode-generated.test.ts). Pure ASCII is valid UTF-8 and
 * decodes to itself, so this is the tweet the general path reads, without its strict decode.
 */
function asciiExactShape(base64: string): Tweet | undefined {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined; // not base64 as atob reads it: Buffer's more lenient decoder decides
  }
  return exactShape(binary, ASCII_EXACT_SHAPE);
}

/** What Buffer.byteLength(value, 'base64') computes, without its per-call overhead. */
function base64DecodedBytes(base64: string): number {
  let length = base64.length;
  if (length > 0 && base64.charCodeAt(length - 1) === 0x3d /* = */) length -= 1;
  if (length > 1 && base64.charCodeAt(length - 1) === 0x3d) length -= 1;
  return (length * 3) >>> 2;
}

function tooLarge(size: number, limits: DecodeLimits): Rejection {
  return reject('too-large', `value is ${size} bytes, more than ${limits.maxValueBytes}`);
}

/**
 * The tweet in `bytes` (strict UTF-8 JSON of the {@link tweetSchema} shape), for readers that keep
 * the record (an archive) rather than count it; {@link decodeTweet} applies the counting rules on top.
 */
export function readTweet(bytes: Buffer): { readonly ok: true; readonly tweet: Tweet } | Rejection {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('not-utf8', 'value is not valid UTF-8');
  }
  const fast = exactShape(text, EXACT_SHAPE);
  if (fast !== undefined) return { ok: true, tweet: fast };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject('not-json', `value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = tweetSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
    );
    return reject('invalid-shape', `not a tweet: ${problems.join('; ')}`);
  }
  return { ok: true, tweet: parsed.data };
}

/**
 * The producers' shape with plain strings: `{"usuario":"…","texto":"…"[,"hashtag_principal":"…"|null],
 * "timestamp":<number>}`, no whitespace, each string `[^"\\\u0000-\u001f]*` (no escape, no control
 * character: JSON.parse would read it as written). One regular expression finds the strings and
 * checks everything between them in one pass; the number is left to {@link plainDecimal}.
 */
function exactShapeRegExp(stringChar: string): RegExp {
  const string = `(${stringChar}*)`;
  return new RegExp(
    String.raw`^\{"usuario":"${string}","texto":"${string}"(?:,"hashtag_principal":(?:(null)|"${string}"))?,"timestamp":(-?[0-9][0-9.]*)\}$`,
  );
}
const EXACT_SHAPE = exactShapeRegExp(String.raw`[^"\\\u0000-\u001f]`);
// The same, ASCII only (0x20-0x7f but for `"` and `\`): for bytes read one char a byte.
const ASCII_EXACT_SHAPE = exactShapeRegExp(String.raw`[\u0020\u0021\u0023-\u005b\u005d-\u007f]`);

/**
 * The tweet when `text` matches `shape` ({@link exactShapeRegExp}) within the schema's bounds;
 * otherwise undefined, and JSON.parse and the schema decide (and word the rejection). On this path
 * it is the same tweet JSON.parse and {@link tweetSchema} would give, without building a parse tree
 * to walk twice: it is what makes the counter's hot path cheap.
 */
function exactShape(text: string, shape: RegExp): Tweet | undefined {
  const match = shape.exec(text);
  if (match === null) return undefined;
  const [, usuario = '', texto = '', nullPrincipal, principalText, number = ''] = match;
  const timestamp = plainDecimal(number, 0, number.length);
  if (
    !Number.isFinite(timestamp) ||
    usuario.length > 512 ||
    texto.length > 8192 ||
    (principalText !== undefined && principalText.length > 1024)
  ) {
    return undefined;
  }
  if (principalText !== undefined) return { usuario, texto, hashtag_principal: principalText, timestamp };
  if (nullPrincipal !== undefined) return { usuario, texto, hashtag_principal: null, timestamp };
  return { usuario, texto, timestamp };
}

// 10^k for k <= 15: exact doubles, and any integer below 10^15 is exact too.
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The value of text[start, end) when it is a JSON number of the plain form -?(0|[1-9][0-9]*)(.[0-9]+)?
 * with at most 15 digits; NaN otherwise (then JSON.parse decides). With both the digits and 10^k
 * exact, one division is correctly rounded: the same double JSON.parse gives (Clinger's fast path).
 */
function plainDecimal(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === 0x2d; /* - */
  if (negative) i++;
  if (i >= end) return Number.NaN;
  // A leading zero stands alone before the point (JSON has no 012).
  if (text.charCodeAt(i) === 0x30 && i + 1 < end && text.charCodeAt(i + 1) !== 0x2e) return Number.NaN;
  let digits = 0;
  let mantissa = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 0x2e && fraction < 0 && digits > 0) {
      fraction = 0;
    } else {
      return Number.NaN;
    }
  }
  if (digits === 0 || digits > 15 || fraction === 0) return Number.NaN;
  const value = fraction > 0 ? mantissa / (POWERS_OF_TEN[fraction] as number) : mantissa;
  return negative ? -value : value;
}

function decodeBytes(
  bytes: Buffer,
  kafkaTimestampMs: number,
  limits: DecodeLimits,
): DecodedTweet | Rejection {
  const read = readTweet(bytes);
  return read.ok ? countTweet(read.tweet, kafkaTimestampMs, limits) : read;
}

/** The counting rules on a well-formed tweet: event time in range, then its hashtags. */
function countTweet(tweet: Tweet, kafkaTimestampMs: number, limits: DecodeLimits): DecodedTweet | Rejection {
  const eventTime = epochSecondsToMs(tweet.timestamp);
  if (!Number.isSafeInteger(eventTime) || eventTime <= 0) {
    return reject('invalid-event-time', `timestamp ${tweet.timestamp} is not a positive epoch-seconds time`);
  }
  if (Number.isFinite(kafkaTimestampMs) && eventTime > kafkaTimestampMs + limits.maxFutureSkewMs) {
    return reject(
      'future-event-time',
      `timestamp ${tweet.timestamp} is more than ${limits.maxFutureSkewMs / 1000} s after the record's Kafka timestamp ${kafkaTimestampMs}`,
    );
  }

  const principal = tweet.hashtag_principal;
  if (principal !== undefined && principal !== null && principal !== '') {
    const tag = parseHashtag(principal);
    if (tag === null)
      return reject('invalid-hashtag', `hashtag_principal is not a hashtag: ${preview(principal)}`);
    return { ok: true, eventTime, hashtags: [tag] };
  }
  const tags = hashtagsInText(tweet.texto);
  if (tags.length === 0) return reject('no-hashtag', 'no hashtag_principal and no #hashtag in texto');
  return { ok: true, eventTime, hashtags: tags };
}

function reject(code: RejectionCode, detail: string): Rejection {
  return {
    ok: false,
    code,
    reason: `${code}: ${detail.length > 300 ? `${detail.slice(0, 300)}...` : detail}`,
  };
}

/** A short, printable excerpt (control characters escaped) for reasons and logs. */
function preview(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}
