/**
 * Emitted accesses of SIMD&FP registers for the scalar load/store rows: B/H/S/D/Q loads into
 * locals (so a fault leaves the register file untouched), register writes that zero the bits
 * above the access size, and stores.
 */
import { plus } from "./ldst_addr.ts";

/** Register-name letters by access size in bytes. */
export const VNAME: Record<number, string> = { 1: "b", 2: "h", 4: "s", 8: "d", 16: "q" };

/**
 * Declares `${p}0`..: the words of a `size`-byte load (1, 2, 4, 8, 16) at (l, h); (l, h) must be
 * simple expressions (locals).
 */
export function loadV(p: string, size: number, l: string, h: string): string {
  if (size <= 4) return `const ${p}0=c.ld${8 * size}(${l},${h});`;
  const first = `const ${p}0=c.ld64(${l},${h}),${p}1=c.hi;`;
  if (size === 8) return first;
  const [l8, h8] = plus(l, h, 8);
  return `${first}const ${p}2=c.ld64(${l8},${h8}),${p}3=c.hi;`;
}

/** Statements writing V[t] from the words of loadV, zeroing the rest of the register. */
export function writeV(t: number, p: string, size: number): string {
  const w = 4 * t;
  const word = (i: number) => (i === 0 || (i === 1 && size >= 8) || size === 16 ? `${p}${i}` : "0");
  return `vw[${w}]=${word(0)};vw[${w + 1}]=${word(1)};vw[${w + 2}]=${word(2)};vw[${w + 3}]=${
    word(3)
  };`;
}

/** Statements storing the low `size` bytes of V[t] at (l, h) (simple expressions). */
export function storeV(t: number, size: number, l: string, h: string): string {
  switch (size) {
    case 1:
      return `c.st8(${l},${h},vb[${16 * t}]);`;
    case 2:
      return `c.st16(${l},${h},vh[${8 * t}]);`;
    case 4:
      return `c.st32(${l},${h},vw[${4 * t}]);`;
    case 8:
      return `c.st64(${l},${h},vw[${4 * t}],vw[${4 * t + 1}]);`;
    default: {
      const [l8, h8] = plus(l, h, 8);
      return `c.st64(${l},${h},vw[${4 * t}],vw[${4 * t + 1}]);c.st64(${l8},${h8},vw[${
        4 * t + 2
      }],vw[${4 * t + 3}]);`;
    }
  }
}
