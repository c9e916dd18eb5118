/**
 * CRC32 and CRC32C as the A64 CRC32* instructions compute them: the reflected polynomials
 * 0xEDB88320 (ISO-HDLC) and 0x82F63B78 (Castagnoli), no pre- or post-inversion, the data value
 * consumed least significant byte first.
 */

function table(poly: number): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c;
  }
  return t;
}

const CRC32_TABLE = table(0xedb88320);
const CRC32C_TABLE = table(0x82f63b78);

/**
 * Accumulates `bytes` (1, 2, 4 or 8) bytes of the value (lo, hi) into `acc`; `castagnoli`
 * selects CRC32C. Returns the new 32-bit accumulator as int32.
 */
export function crc32(
  acc: number,
  lo: number,
  hi: number,
  bytes: number,
  castagnoli: boolean,
): number {
  const t = castagnoli ? CRC32C_TABLE : CRC32_TABLE;
  let c = acc;
  const n = bytes < 4 ? bytes : 4;
  for (let i = 0; i < n; i++) c = t[(c ^ (lo >>> (8 * i))) & 0xff] ^ (c >>> 8);
  for (let i = 4; i < bytes; i++) c = t[(c ^ (hi >>> (8 * (i - 4)))) & 0xff] ^ (c >>> 8);
  return c | 0;
}
