/*
 * How many terminal columns text takes. A character is not a column: a user-perceived
 * character (a grapheme cluster) may be several code points, and East Asian wide
 * characters and emoji take two columns.
 */

/**
 * The East Asian Width `W` (wide) and `F` (fullwidth) code points, as inclusive ranges, that
 * are not emoji: Unicode 14 as Python's `unicodedata.east_asian_width` gives them for
 * assigned code points, plus the blocks whose unassigned code points default to `W`
 * (CJK ideographs, planes 2 and 3). Emoji come from the engine's own `Emoji_Presentation`,
 * which follows newer versions of Unicode.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x2e99],
  [0x2e9b, 0x2ef3],
  [0x2f00, 0x2fd5],
  [0x2ff0, 0x2ffb],
  [0x3000, 0x303e],
  [0x3041, 0x3096],
  [0x3099, 0x30ff],
  [0x3105, 0x312f],
  [0x3131, 0x318e],
  [0x3190, 0x31e3],
  [0x31f0, 0x321e],
  [0x3220, 0x3247],
  [0x3250, 0x4dbf],
  [0x4e00, 0xa48c],
  [0xa490, 0xa4c6],
  [0xa960, 0xa97c],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe52],
  [0xfe54, 0xfe66],
  [0xfe68, 0xfe6b],
  [0xff01, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x16ff0, 0x16ff1],
  [0x17000, 0x187f7],
  [0x18800, 0x18cd5],
  [0x18d00, 0x18d08],
  [0x1aff0, 0x1aff3],
  [0x1aff5, 0x1affb],
  [0x1affd, 0x1affe],
  [0x1b000, 0x1b122],
  [0x1b150, 0x1b152],
  [0x1b164, 0x1b167],
  [0x1b170, 0x1b2fb],
  [0x1f200, 0x1f200],
  [0x1f202, 0x1f202],
  [0x1f210, 0x1f219],
  [0x1f21b, 0x1f22e],
  [0x1f230, 0x1f231],
  [0x1f237, 0x1f237],
  [0x1f23b, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f260, 0x1f265],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** A CSI escape sequence (colours are `ESC [ … m`): it takes no room. */
const ANSI_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[0-?]*[ -/]*[@-~]`, "g");

/**
 * What takes no column even where it starts a cluster: marks, format characters (zero-width
 * joiner and spaces, variation selectors), controls, and the Hangul vowels and final
 * consonants that only join a preceding syllable.
 */
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf}|\p{Cc}|[\u1160-\u11ff\ud7b0-\ud7ff])/u;
/** Invisible unless wide: the Hangul fillers stand in for a whole syllable's first part. */
const DEFAULT_IGNORABLE = /^\p{Default_Ignorable_Code_Point}/u;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}/u;
const REGIONAL_INDICATOR = /\p{Regional_Indicator}/gu;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const EMOJI_MODIFIER = /\p{Emoji_Modifier}/u;
const VARIATION_SELECTOR_16 = "\ufe0f";
const ZERO_WIDTH_JOINER = "\u200d";

let segmenter: Intl.Segmenter | undefined;

/** A grapheme cluster, or an escape sequence. */
interface Piece {
  readonly text: string;
  readonly width: number;
  readonly escape: boolean;
}

/** The text's grapheme clusters and escape sequences, in order. */
function* pieces(text: string): Generator<Piece> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let at = 0;
  for (const match of text.matchAll(ANSI_SEQUENCE)) {
    yield* graphemes(text.slice(at, match.index), segmenter);
    yield { text: match[0], width: 0, escape: true };
    at = match.index + match[0].length;
  }
  yield* graphemes(text.slice(at), segmenter);
}

function* graphemes(text: string, by: Intl.Segmenter): Generator<Piece> {
  for (const { segment } of by.segment(text)) {
    yield { text: segment, width: clusterWidth(segment), escape: false };
  }
}

/** The columns one grapheme cluster takes. */
function clusterWidth(cluster: string): number {
  const first = cluster.codePointAt(0) as number;
  // A flag is a pair of regional indicators; one alone is shown as a letter.
  const indicators = cluster.match(REGIONAL_INDICATOR)?.length ?? 0;
  if (indicators > 0) return indicators >= 2 ? 2 : 1;
  if (ZERO_WIDTH.test(cluster)) return 0;
  if (isWide(first) || EMOJI_PRESENTATION.test(cluster)) return 2;
  if (DEFAULT_IGNORABLE.test(cluster)) return 0;
  // A text-style symbol turned into an emoji: by VS16 (❤️), a skin tone (☝🏽), or a ZWJ
  // sequence (❤️‍🔥).
  if (
    cluster.length > 1 &&
    PICTOGRAPHIC.test(cluster) &&
    (cluster.includes(VARIATION_SELECTOR_16) ||
      cluster.includes(ZERO_WIDTH_JOINER) ||
      EMOJI_MODIFIER.test(cluster))
  ) {
    return 2;
  }
  // A keycap (1️⃣) is a digit, VS16 and U+20E3.
  if (cluster.includes(VARIATION_SELECTOR_16) && cluster.includes("\u20e3")) return 2;
  return 1;
}

function isWide(codePoint: number): boolean {
  let low = 0;
  let high = WIDE_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const [first, last] = WIDE_RANGES[middle] as readonly [number, number];
    if (codePoint < first) high = middle - 1;
    else if (codePoint > last) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * How many terminal columns `text` takes: its grapheme clusters (`Intl.Segmenter`) each
 * count 2 when East Asian Wide or Fullwidth (`交渉`, `한`) or shown as an emoji (`👍🏽`,
 * `👨‍👩‍👧`, a flag, `❤️`), 0 when they are marks, joiners, variation selectors or other
 * format characters alone, and 1 otherwise (`é` is 1, written precomposed or as `e` and
 * U+0301). ANSI escape sequences (colours) count 0.
 *
 * @param text - One line of text.
 * @returns Its width in columns.
 * @example
 * displayWidth("交渉 👍🏽"); // 5
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const piece of pieces(text)) width += piece.width;
  return width;
}

/**
 * Cuts `text` to at most `width` columns, ending it with `…` when anything was cut: whole
 * grapheme clusters only (a wide one that would straddle the limit is left out, so the
 * result may be a column short), and every ANSI escape sequence kept, so colours opened
 * are still closed.
 *
 * @param text - One line of text.
 * @param width - The most columns the result may take.
 * @returns `text` itself when it fits; else its beginning and `…`.
 * @example
 * truncateToWidth("thread-交渉-42", 10); // "thread-交…"
 */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const room = width - 1;
  let used = 0;
  let cut = false;
  let result = "";
  for (const piece of pieces(text)) {
    if (piece.escape) result += piece.text;
    else if (cut) continue;
    else if (used + piece.width > room) {
      cut = true;
      if (width >= 1) result += "…";
    } else {
      used += piece.width;
      result += piece.text;
    }
  }
  return result;
}
