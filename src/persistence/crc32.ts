let table: Uint32Array | undefined;

/**
 * CRC-32 (IEEE 802.3, the one of zip and PNG) of some bytes.
 *
 * @param bytes - The bytes.
 * @param crc - The CRC of the bytes before these, to continue it; 0 to start.
 * @returns The CRC as an unsigned 32-bit integer.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  table ??= buildTable();
  const lookup = table;
  let value = ~crc;
  // An index loop: iterating a Uint8Array with for...of is several times slower in V8.
  for (let index = 0; index < bytes.length; index++) {
    value = (lookup[(value ^ (bytes[index] as number)) & 0xff] as number) ^ (value >>> 8);
  }
  return ~value >>> 0;
}

function buildTable(): Uint32Array {
  const entries = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    entries[n] = c >>> 0;
  }
  return entries;
}
