import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/persistence/crc32.js";
import { checkProperty } from "../properties/support.js";

/** CRC-32 a bit at a time, straight from its definition (reflected, polynomial 0xEDB88320). */
function crc32ByBits(bytes: Uint8Array, crc = 0): number {
  let value = ~crc;
  for (const byte of bytes) {
    value ^= byte;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  }
  return ~value >>> 0;
}

describe("crc32", () => {
  it("gives the standard check value and continues a CRC across pieces", () => {
    const text = new TextEncoder().encode("123456789");
    expect(crc32(text)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(text.subarray(5), crc32(text.subarray(0, 5)))).toBe(0xcbf43926);
  });

  it("agrees with the bit-by-bit definition at every length, offset and split", async () => {
    await checkProperty(
      "crc32 equals the bitwise CRC-32",
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(), (bytes, start, split) => {
        const from = bytes.length === 0 ? 0 : start % bytes.length;
        const view = bytes.subarray(from);
        const at = view.length === 0 ? 0 : split % view.length;
        expect(crc32(view)).toBe(crc32ByBits(view));
        expect(crc32(view.subarray(at), crc32(view.subarray(0, at)))).toBe(crc32ByBits(view));
      }),
      300,
    );
  });
});
