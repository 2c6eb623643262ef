import { hashtagsInText, MAX_HASHTAG_CODE_POINTS, parseHashtag } from '#contracts/hashtag.ts';

describe('hashtag parsing', () => {
  it('groups spellings that differ only in case under one key and keeps the spelling as written', () => {
    expect(parseHashtag('#Spark')).toEqual({ key: '#spark', form: '#Spark' });
    expect(parseHashtag('#SPARK')?.key).toBe('#spark');
    expect(parseHashtag('Spark')).toEqual({ key: '#spark', form: '#Spark' });
  });

  it('normalises to NFC so that composed and decomposed accents are one hashtag', () => {
    const composed = parseHashtag('#Caf\u00e9');
    const decomposed = parseHashtag('#Cafe\u0301');
    expect(decomposed).toEqual(composed);
    expect(composed).toEqual({ key: '#caf\u00e9', form: '#Caf\u00e9' });
  });

  it('folds case beyond ASCII (German sharp s, Greek final sigma)', () => {
    expect(parseHashtag('#STRASSE')?.key).toBe(parseHashtag('#Straße')?.key);
    expect(parseHashtag('#ΟΔΟΣ')?.key).toBe(parseHashtag('#οδος')?.key);
  });

  it('accepts letters of any script, digits, underscores and emoji', () => {
    expect(parseHashtag('#東京')?.form).toBe('#東京');
    expect(parseHashtag('#ISS_2024')?.key).toBe('#iss_2024');
    expect(parseHashtag('#🚀')?.form).toBe('#🚀');
    expect(parseHashtag('#👩🏽‍🚀')?.form).toBe('#👩🏽‍🚀');
  });

  it.each([
    ['empty', '#'],
    ['space', '#big data'],
    ['CR LF (Redis protocol)', '#a\r\nSET x 1'],
    ['NUL', '#a\u0000b'],
    ['other control character', '#a\u0007'],
    ['glob and hash-tag characters', '#a*{b}'],
    ['quotes', '#"a"'],
    ['a second #', '#a#b'],
    ['lone surrogate', '#a\ud800'],
  ])('rejects a hashtag with %s', (_what, raw) => {
    expect(parseHashtag(raw)).toBeNull();
  });

  it(`rejects a hashtag longer than ${MAX_HASHTAG_CODE_POINTS} code points`, () => {
    expect(parseHashtag(`#${'a'.repeat(MAX_HASHTAG_CODE_POINTS)}`)).not.toBeNull();
    expect(parseHashtag(`#${'a'.repeat(MAX_HASHTAG_CODE_POINTS + 1)}`)).toBeNull();
    expect(parseHashtag(`#${'🚀'.repeat(MAX_HASHTAG_CODE_POINTS)}`)).not.toBeNull();
  });
});

describe('hashtags in a text', () => {
  it('finds every distinct hashtag once, by key, in order of appearance', () => {
    expect(hashtagsInText('#Spark y #Kafka, otra vez #spark y #KAFKA!')).toEqual([
      { key: '#spark', form: '#Spark' },
      { key: '#kafka', form: '#Kafka' },
    ]);
  });

  it('does not take C# or a#b for hashtags', () => {
    expect(hashtagsInText('I like C# and a#b')).toEqual([]);
  });

  it('stops a hashtag at punctuation and whitespace', () => {
    expect(hashtagsInText('(#ISS) #Orbit.#Space\t#x')).toEqual([
      { key: '#iss', form: '#ISS' },
      { key: '#orbit', form: '#Orbit' },
      { key: '#space', form: '#Space' },
      { key: '#x', form: '#x' },
    ]);
  });

  it('returns nothing for a text without hashtags', () => {
    expect(hashtagsInText('sin etiquetas # aquí')).toEqual([]);
  });
});
