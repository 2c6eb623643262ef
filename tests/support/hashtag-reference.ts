/**
 * The hashtag extraction of contracts/hashtag.ts as it stood before its fast paths: every match of
 * the Unicode regex, parsed, distinct by key. The tests hold the fast paths to it.
 */
import { type Hashtag, parseHashtag } from '#contracts/hashtag.ts';

const BODY_CHAR = String.raw`[\p{L}\p{M}\p{N}\p{Pc}\p{Extended_Pictographic}\p{Emoji_Modifier}\u200D\uFE0F]`;
const TAG_TEXT = new RegExp(String.raw`(?<![\p{L}\p{M}\p{N}\p{Pc}&])#(${BODY_CHAR}+)`, 'gu');

export function hashtagsByReferenceRegex(text: string): Hashtag[] {
  const found: Hashtag[] = [];
  for (const m of text.matchAll(TAG_TEXT)) {
    const tag = parseHashtag(m[0]);
    if (tag !== null && !found.some((t) => t.key === tag.key)) found.push(tag);
  }
  return found;
}
