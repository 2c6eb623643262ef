/**
 * A dead letter's reason quotes what a producer wrote; read on a console, a raw bidi override or a
 * zero-width character in it spoofs what the operator sees. The `dlq-reason` header escapes them.
 */
import { decodeTweet } from '#contracts/tweet.ts';
import { DLQ_HEADERS, escapeForConsole, kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import type { Producer } from '#lib/kafka.ts';

const LIMITS = { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 };

describe('dead-letter reasons', () => {
  it('escapes bidi, zero-width, control and separator characters as \\u{...}', () => {
    expect(escapeForConsole('#\u202Eevil')).toBe('#\\u{202E}evil');
    expect(escapeForConsole('a\u200Bb\u200Dc\uFEFFd\u2066e\u2069')).toBe(
      'a\\u{200B}b\\u{200D}c\\u{FEFF}d\\u{2066}e\\u{2069}',
    );
    expect(escapeForConsole('line\nbreak\u2028\u0000\u001B[31m')).toBe(
      'line\\u{A}break\\u{2028}\\u{0}\\u{1B}[31m',
    );
    expect(escapeForConsole('lone \uD800 surrogate')).toBe('lone \\u{D800} surrogate');
  });

  it('leaves visible text alone: accents, CJK, emoji', () => {
    const text = 'invalid-hashtag: "#Café" "#東京" "#🚀" tab-free';
    expect(escapeForConsole(text)).toBe(text);
  });

  it('writes the escaped reason in the dlq-reason header of a rejected tweet', async () => {
    const value = Buffer.from(
      JSON.stringify({
        usuario: '@a',
        texto: 'x',
        hashtag_principal: '#\u202Eevil',
        timestamp: 1_733_940_000,
      }),
    );
    const verdict = decodeTweet(value, 1_733_940_000_000, LIMITS);
    if (verdict.ok) throw new Error('expected a rejection');
    expect(verdict.reason).toContain('\u202E');

    const sent: Array<{ headers: Record<string, unknown> }> = [];
    const producer = {
      send: async ({ messages }: { messages: Array<{ headers: Record<string, unknown> }> }) => {
        sent.push(...messages);
        return [];
      },
    } as unknown as Producer;
    await kafkaDeadLetterSink(async () => producer, 'dlq').send([
      {
        reason: verdict.reason,
        record: {
          topic: 'tweets',
          partition: 0,
          offset: 7,
          timestamp: 1_733_940_000_000,
          key: null,
          value: value.toString('base64'),
          headers: [],
        },
      },
    ]);
    const header = String(sent[0]?.headers[DLQ_HEADERS.reason]);
    expect(header).toContain('#\\u{202E}evil');
    expect(header).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });
});
