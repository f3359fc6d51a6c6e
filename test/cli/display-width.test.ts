import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { displayWidth, truncateToWidth } from "../../src/cli/display-width.js";

const ESC = "\u001b";

/** Expects each text to take its number of columns. */
function expectWidths(widths: Readonly<Record<string, number>>): void {
  for (const [text, width] of Object.entries(widths)) expect(displayWidth(text), text).toBe(width);
}

describe("displayWidth", () => {
  it("counts East Asian wide and fullwidth characters as 2 columns", () => {
    expectWidths({ 交渉: 4, "thread-交渉-7": 13, ＡＢ: 4, カタカナ: 8 });
  });

  it("counts Hangul as 2 columns, precomposed or as conjoining jamo", () => {
    expect(displayWidth("한국")).toBe(4);
    // ᄒ + ᅡ + ᆫ: one syllable written as three jamo.
    expect(displayWidth("\u1112\u1161\u11ab")).toBe(2);
    expect("\u1112\u1161\u11ab".normalize("NFC")).toBe("한");
  });

  it("counts an emoji as 2 columns, with its skin tone, as a ZWJ family, as a flag, or made one by VS16", () => {
    expectWidths({
      "👍": 2,
      "👍🏽": 2,
      "👨‍👩‍👧": 2,
      "🇯🇵🇫🇷": 4,
      "❤️": 2,
      "1️⃣": 2,
      "Zoë Ñandú 🌸": 12,
    });
  });

  it("counts a text-style symbol without VS16, or a lone regional indicator, as 1 column", () => {
    expectWidths({ "❤": 1, "☺": 1, "🇯": 1 });
  });

  it("counts combining marks, joiners and variation selectors as 0", () => {
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("e\u0301")).toBe(displayWidth("é"));
    expect(displayWidth("a\u0308\u0323")).toBe(1);
    expect(displayWidth("a\u200db")).toBe(2);
    expect(displayWidth("\u200b")).toBe(0);
    expect(displayWidth("\ufe0f")).toBe(0);
  });

  it("counts ANSI colour sequences as 0", () => {
    expect(displayWidth(`${ESC}[1mthread${ESC}[22m`)).toBe(6);
    expect(displayWidth(`${ESC}[32m交渉${ESC}[39m`)).toBe(4);
    expect(displayWidth(`${ESC}[38;5;208morange${ESC}[0m`)).toBe(6);
  });

  it("agrees with Python's unicodedata East Asian Width on every assigned code point", () => {
    // Python's W and F characters, marks aside (they join the character before them).
    const script = `
import json, unicodedata
wide = [c for c in range(0x110000)
        if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co", "Mn", "Me", "Cf")
        and unicodedata.east_asian_width(chr(c)) in ("W", "F")]
narrow = [c for c in range(0x110000)
          if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co", "Mn", "Me", "Cf", "Cc")
          and unicodedata.east_asian_width(chr(c)) not in ("W", "F")]
print(json.dumps({"wide": wide, "narrow": narrow}))
`;
    const { wide, narrow } = JSON.parse(
      execFileSync("python3", ["-c", script], { maxBuffer: 64 * 1024 * 1024 }).toString(),
    ) as { wide: number[]; narrow: number[] };
    expect(wide.length).toBeGreaterThan(90_000);
    const notWide = wide.filter((code) => displayWidth(String.fromCodePoint(code)) !== 2);
    expect(notWide.map((code) => code.toString(16))).toEqual([]);
    // Emoji shown as emoji are wide whatever Python's Unicode version says (a regional
    // indicator alone is a letter, two make a flag); Hangul vowels and final consonants join
    // the syllable before them.
    const emoji = /^(?!\p{Regional_Indicator})\p{Emoji_Presentation}$/u;
    const notNarrow = narrow.filter((code) => {
      const text = String.fromCodePoint(code);
      const expected = emoji.test(text) ? 2 : /^[\u1160-\u11ff\ud7b0-\ud7ff]$/u.test(text) ? 0 : 1;
      const width = displayWidth(text);
      // Default-ignorable characters (such as U+115F's fillers) take no room.
      return (
        width !== expected && !(width === 0 && /^\p{Default_Ignorable_Code_Point}$/u.test(text))
      );
    });
    expect(notNarrow.map((code) => code.toString(16))).toEqual([]);
  }, 60_000);
});

describe("truncateToWidth", () => {
  it("returns text that fits as it is", () => {
    expect(truncateToWidth("交渉", 4)).toBe("交渉");
    expect(truncateToWidth("thread", 10)).toBe("thread");
  });

  it("cuts at whole grapheme clusters and ends with …, never wider than asked", () => {
    expect(truncateToWidth("thread-0042", 8)).toBe("thread-…");
    // A wide character that would straddle the limit is left out: one column short.
    expect(truncateToWidth("交渉交渉", 6)).toBe("交渉…");
    expect(truncateToWidth("交渉交渉", 5)).toBe("交渉…");
    expect(truncateToWidth("👨‍👩‍👧👨‍👩‍👧", 3)).toBe("👨‍👩‍👧…");
    expect(truncateToWidth("e\u0301e\u0301e\u0301", 2)).toBe("e\u0301…");
    for (const [text, width] of [
      ["交渉-🇯🇵-👍🏽-é-한", 7],
      ["camp-交渉-2026", 9],
      ["a\u0308\u0323bcdef", 3],
    ] as const) {
      const cut = truncateToWidth(text, width);
      expect(displayWidth(cut)).toBeLessThanOrEqual(width);
      expect(displayWidth(cut)).toBeGreaterThanOrEqual(width - 1);
      expect(cut.endsWith("…")).toBe(true);
      expect(text.startsWith(cut.slice(0, -1))).toBe(true);
    }
  });

  it("keeps every colour sequence, so what was opened is closed", () => {
    const cut = truncateToWidth(`${ESC}[1mthread-long${ESC}[22m`, 5);
    expect(cut).toBe(`${ESC}[1mthre…${ESC}[22m`);
    expect(displayWidth(cut)).toBe(5);
  });
});
