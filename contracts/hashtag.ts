/**
 * The hashtag rules every part agrees on: `#` followed by letters, marks, digits, connector
 * punctuation (`_`) and emoji, at most {@link MAX_HASHTAG_CODE_POINTS} code points. Grouping is by
 * a case-folded NFC key (`#Spark`, `#spark` and `#SPARK` are one trend); the NFC spelling as
 * written is kept as the candidate display form (the list shows the most used one).
 */

/** One hashtag occurrence: the grouping key and the spelling it was written with. */
export interface Hashtag {
  /** Case-folded NFC form: what groups `#Spark` and `#spark`. */
  readonly key: string;
  /** NFC form as written (with `#`): candidate display form. */
  readonly form: string;
}

export const MAX_HASHTAG_CODE_POINTS = 100;

const BODY_CHAR = String.raw`[\p{L}\p{M}\p{N}\p{Pc}\p{Extended_Pictographic}\p{Emoji_Modifier}\u200D\uFE0F]`;
// Not preceded by a word character, so `C#` or `a#b` are not hashtags.
const TAG_IN_TEXT = String.raw`(?<![\p{L}\p{M}\p{N}\p{Pc}&])#(${BODY_CHAR}+)`;
// Sticky: the tag at lastIndex or nothing (the lookbehind still sees the text before it).
const TAG_AT = new RegExp(TAG_IN_TEXT, 'uy');
const WHOLE_TAG = new RegExp(`^#?(${BODY_CHAR}+)$`, 'u');

// Normalising is the costly part of extraction and the same few hundred tags recur: memoise,
// and forget everything when the memo grows past a bound (a warm container lives for hours).
const MEMO_LIMIT = 50_000;
const memo = new Map<string, Hashtag | null>();

/**
 * The hashtag spelled by `raw` (`#Spark` or `Spark`), or null when it is not a valid hashtag (empty,
 * too long, or holding characters a hashtag cannot have: spaces, punctuation, control characters).
 */
export function parseHashtag(raw: string): Hashtag | null {
  let tag = memo.get(raw);
  if (tag === undefined) {
    tag = normalise(raw);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(raw, tag);
  }
  return tag;
}

/** Every distinct hashtag (by key) in `text`, in order of first appearance; invalid ones are skipped. */
export function hashtagsInText(text: string): Hashtag[] {
  const found: Hashtag[] = [];
  let at = text.indexOf('#');
  // TAG_IN_TEXT, one `#` at a time (a tag cannot hold a `#`, so its matches start at the `#`s it
  // reaches, in order). Where the characters around a tag are ASCII it reduces to "a `#` not after
  // [A-Za-z0-9_&], then [A-Za-z0-9_]+", checked without the regex; a non-ASCII character touching
  // the tag (a letter, a mark, an emoji may be part of it) sends that one tag to TAG_AT.
  while (at >= 0) {
    const before = at > 0 ? text.charCodeAt(at - 1) : 0x20;
    let end = at + 1;
    let ascii = before < 0x80;
    for (; ascii && end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c >= 0x80) ascii = false;
      else if (!isAsciiWord(c)) break;
    }
    let raw: string | undefined;
    if (!ascii) {
      TAG_AT.lastIndex = at;
      const match = TAG_AT.exec(text);
      raw = match?.[0];
      end = at + (raw?.length ?? 1);
    } else if (end > at + 1 && !isAsciiWord(before) && before !== 0x26 /* & */) {
      raw = text.slice(at, end);
    }
    if (raw !== undefined) {
      const tag = parseHashtag(raw);
      if (tag !== null && !found.some((t) => t.key === tag.key)) found.push(tag);
    }
    at = text.indexOf('#', end);
  }
  return found;
}

function isAsciiWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function normalise(raw: string): Hashtag | null {
  const nfc = raw.normalize('NFC');
  const match = WHOLE_TAG.exec(nfc);
  const body = match?.[1];
  if (body === undefined) return null;
  let codePoints = 0;
  for (const _ of body) codePoints += 1;
  if (codePoints > MAX_HASHTAG_CODE_POINTS) return null;
  const form = `#${body}`;
  // Upper then lower approximates Unicode case folding (ß -> ss, final sigma -> σ).
  const key = form.toUpperCase().toLowerCase().normalize('NFC');
  return { key, form };
}
