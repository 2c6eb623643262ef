/**
 * The decoder's fast paths (contracts/tweet.ts: the producers' exact JSON shape, read from base64
 * without a UTF-8 decode when it is ASCII; contracts/hashtag.ts: hashtags without the regex where
 * the characters around them are ASCII) give exactly what the general path gives: the same tweet,
 * the same hashtags, the same rejection code and reason, for the common shape and every near miss.
 */

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

/** What JSON.parse and the schema alone say: the general path the fast one must equal. */
function general(text: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  const parsed = tweetSchema.safeParse(json);
  return parsed.success ? parsed.data : 'invalid-shape';
}

const shapes = [
  '{"usuario":"@SparkGuru","texto":"proyecto sobre #Spark","hashtag_principal":"#Spark","timestamp":1733940000.25}',
  '{"usuario":"@a","texto":"#Kafka y #Redis","timestamp":1733940000}',
  '{"usuario":"@a","texto":"#Kafka","hashtag_principal":null,"timestamp":1733940000}',
  '{"usuario":"@a","texto":"#Kafka","hashtag_principal":"","timestamp":1733940000}',
  '{"usuario":"@a","texto":"#Café y #🚀","timestamp":-0}',
  '{"usuario":"@a","texto":"x","timestamp":0.1}',
  '{"usuario":"@a","texto":"x","timestamp":123456789012345}',
  '{"usuario":"@a","texto":"x","timestamp":1234567890123456789}',
  '{"usuario":"@a","texto":"x","timestamp":1733940000.123456789}',
  '{"usuario":"@a","texto":"x","timestamp":1.5e9}',
  '{"usuario":"@a","texto":"x","timestamp":1e400}',
  '{"usuario":"@a","texto":"x","timestamp":01}',
  '{"usuario":"@a","texto":"x","timestamp":1.}',
  '{"usuario":"@a","texto":"x","timestamp":.5}',
  '{"usuario":"@a","texto":"x","timestamp":-}',
  '{"usuario":"@a","texto":"x","timestamp":"1"}',
  '{"usuario":"@a","texto":"x","timestamp":1} ',
  '{"usuario":"@a","texto":"x","timestamp":1,"extra":2}',
  '{"usuario":"@a","texto":"x","timestamp":1}}',
  '{"usuario":"@a","texto":"tab\there","timestamp":1}',
  '{"usuario":"@a","texto":"quote \\" inside #x","timestamp":1}',
  '{"usuario":"@a","texto":"\\u0023escaped","timestamp":1}',
  '{"usuario":"@a","texto":"x","hashtag_principal":7,"timestamp":1}',
  '{"usuario":1,"texto":"x","timestamp":1}',
  '{ "usuario":"@a","texto":"x","timestamp":1}',
  '{"texto":"x","usuario":"@a","timestamp":1}',
  '{"usuario":"@a","usuario":"@b","texto":"x","timestamp":1}',
  '{"usuario":"@a","texto":"DEL \u007f is plain in JSON #x","timestamp":1}',
  '{"usuario":"@a","texto":"#Café","hashtag_principal":null,"timestamp":1733940000}',
  '{"usuario":"@a","texto":"x","hashtag_principal":nul,"timestamp":1}',
  '{"usuario":"@a","texto":"x","hashtag_principal":null}',
  '{"usuario":"@a","texto":"x","timestamp":1,"hashtag_principal":"#p"}',
  `{"usuario":"${'u'.repeat(512)}","texto":"${'t'.repeat(8192)}","hashtag_principal":"#${'p'.repeat(1023)}","timestamp":1}`,
  `{"usuario":"${'u'.repeat(513)}","texto":"x","timestamp":1}`,
  `{"usuario":"@a","texto":"${'t'.repeat(8193)}","timestamp":1}`,
  `{"usuario":"@a","texto":"x","hashtag_principal":"#${'p'.repeat(1024)}","timestamp":1}`,
];

describe('the decoder fast paths', () => {
  it.each(shapes.map((s) => [s.length > 80 ? `${s.slice(0, 77)}...` : s, s]))(
    'reads %s as JSON.parse and the schema do',
    (_name, text) => {
      const expected = general(text);
      const read = readTweet(Buffer.from(text, 'utf8'));

      if (typeof expected === 'string') expect(read).toMatchObject({ ok: false, code: expected });
      else expect(read).toEqual({ ok: true, tweet: expected });
    },
  );

  it('decodes near misses to the same verdict and reason as before (the reason comes from the general path)', () => {
    for (const text of shapes) {
      const decoded = decodeTweet(Buffer.from(text, 'utf8'), 1_733_940_000_000, limits);
      const read = readTweet(Buffer.from(text, 'utf8'));
      if (!read.ok) expect(decoded).toEqual(read);
    }
  });

  it('decodes every shape from base64 (the ASCII path) as from its bytes', () => {
    for (const text of shapes) {
      const value = Buffer.from(text, 'utf8');
      expect(decodeTweetBase64(value.toString('base64'), 1_733_940_000_000, limits)).toEqual(
        decodeTweet(value, 1_733_940_000_000, limits),
      );
    }
  });

  it('finds the same hashtags as the regex in ASCII, mixed and tricky texts', () => {
    const texts = [
      'proyecto sobre #Spark',
      '#a#b ##c #_x #9 a#b C# &#x; #Kafka, #kafka. (#Redis)',
      'hablando de #Café y #🚀 desde la #ISS',
      'é#tag ü #tagü #tag🚀 #tag\u0301 x#',
      `#${'a'.repeat(100)} #${'b'.repeat(101)}`,
      '#',
      'no tags here',
      '#ends_with_underscore_ #MiXeD #mixed',
      '🚀#tag é#x #ok ü#y #z\u0301 &#amp #a&b #Ω',
      '#tag🚀#next #a\u200d\ufe0f #\ud800x #b\udc00',
    ];
    for (const text of texts) expect(hashtagsInText(text)).toEqual(hashtagsByReferenceRegex(text));
  });
});
