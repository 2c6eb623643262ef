/**
 * The decoder's fast paths against the general path on generated hostile input: whatever the bytes,
 * the base64 around them or the characters around a `#`, the fast paths give what strict UTF-8 +
 * JSON.parse + tweetSchema (and the hashtag regex) give. Hand-picked near misses are in
 * counter-decode-fast-path.test.ts.
 */
import fc from 'fast-check';
import { hashtagsInText } from '#contracts/hashtag.ts';
import {
  type DecodeLimits,
  decodeTweet,
  decodeTweetBase64,
  readTweet,
  tweetSchema,
} from '#contracts/tweet.ts';
import { hashtagsByReferenceRegex } from '../support/hashtag-reference.ts';

const limits: DecodeLimits = { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 };
const kafkaTs = 1_733_940_000_000;
const runs = { numRuns: 3000 };

/** What strict UTF-8, JSON.parse and the schema alone say. */
function general(bytes: Buffer) {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not-utf8';
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  const parsed = tweetSchema.safeParse(json);
  return parsed.success ? parsed.data : 'invalid-shape';
}

// Pieces of the producers' shape and of what breaks it: escapes, whitespace, control characters,
// DEL, non-ASCII letters, combining marks, emoji, lone surrogates, numbers JSON reads differently.
const pieces = [
  '{',
  '}',
  '"',
  ':',
  ',',
  '\\',
  '\\"',
  '\\u0023',
  '\\n',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  'Σ',
  '٣',
  '東京',
  '🚀',
  '👩🏽‍🚀',
  '\u0301',
  '\ud800',
  '\udc00',
  '#',
  '#a',
  '#Café',
  'C#',
  '&#',
  '_',
  'null',
  'usuario',
  'texto',
  'hashtag_principal',
  'timestamp',
  '"usuario":"',
  '","texto":"',
  '","hashtag_principal":"',
  '","hashtag_principal":null',
  ',"timestamp":',
  '","timestamp":',
  '1733940000',
  '.',
  '-',
  '0',
  '1e5',
  '01',
  '123456789012345678',
  '0.000001',
  'x',
];
const shape = [
  '{"usuario":"',
  '@a',
  '","texto":"',
  '#x y #z',
  '","hashtag_principal":"',
  '#p',
  '","timestamp":',
  '1733940000.25',
  '}',
];

const pieceText = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((p) => p.join(''));
// The producers' shape with a few pieces replaced, appended or prepended: mostly near misses.
const nearMiss = fc
  .array(
    fc.tuple(
      fc.nat(shape.length - 1),
      fc.constantFrom('replace', 'append', 'prepend'),
      fc.constantFrom(...pieces),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((edits) => {
    const parts = [...shape];
    for (const [i, how, piece] of edits) {
      const part = parts[i] as string;
      parts[i] = how === 'replace' ? piece : how === 'append' ? part + piece : piece + part;
    }
    return parts.join('');
  });
// Timestamps of every plain and not-so-plain form, in an otherwise exact record.
const timestamp = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.stringMatching(/^[0-9]{0,20}$/)))
  .map(([minus, whole, fraction]) => `${minus ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`)
  .map((n) => `{"usuario":"@a","texto":"#x","timestamp":${n}}`);
const text = fc.oneof(pieceText, nearMiss, timestamp);
// UTF-8 of a text, sometimes with one byte overwritten (invalid sequences, overlongs, NUL).
const value = fc
  .tuple(text, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))))
  .map(([t, change]) => {
    const bytes = Buffer.from(t, 'utf8');
    if (change !== null && bytes.length > 0) bytes[change[0] % bytes.length] = change[1];
    return bytes;
  });

describe('the decoder fast paths on generated input', () => {
  it('read every value as strict UTF-8, JSON.parse and the schema do', () => {
    fc.assert(
      fc.property(value, (bytes) => {
        const expected = general(bytes);
        const read = readTweet(bytes);
        if (typeof expected === 'string') expect(read).toMatchObject({ ok: false, code: expected });
        else expect(read).toEqual({ ok: true, tweet: expected });
      }),
      runs,
    );
  });

  it('decode a base64 value as its bytes, whatever Buffer makes of the base64', () => {
    // Canonical base64, and base64 with whitespace, padding, base64url or foreign characters inserted.
    const base64 = fc
      .tuple(value, fc.nat(), fc.constantFrom('', ' ', '\n', '=', '==', '-', '_', '*', 'é'))
      .map(([bytes, at, insert]) => {
        const canonical = bytes.toString('base64');
        const i = at % (canonical.length + 1);
        return `${canonical.slice(0, i)}${insert}${canonical.slice(i)}`;
      });
    fc.assert(
      fc.property(base64, (b64) => {
        expect(decodeTweetBase64(b64, kafkaTs, limits)).toEqual(
          decodeTweet(Buffer.from(b64, 'base64'), kafkaTs, limits),
        );
      }),
      runs,
    );
  });

  it('find the hashtags the regex finds, whatever the characters around each #', () => {
    const around = [
      '#',
      '#',
      'a',
      'Z',
      '9',
      '_',
      '&',
      ' ',
      '.',
      'é',
      'É',
      '\u0301',
      '🚀',
      '🏽',
      '\u200d',
      '\ufe0f',
      '٣',
      '\ud800',
      '\udc00',
      '\u00a9',
    ];
    const tagText = fc.array(fc.constantFrom(...around, ...pieces), { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(
      fc.property(tagText, (t) => {
        expect(hashtagsInText(t)).toEqual(hashtagsByReferenceRegex(t));
      }),
      runs,
    );
  });
});
