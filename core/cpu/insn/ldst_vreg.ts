/**
 * Emitted accesses of SIMD&FP registers for the scalar load/store rows: B/H/S/D/Q loads into
 * locals (so a fault leaves the register file untouched), register writes that zero the bits
 * above the access size, and stores.
 */
import { plus } from "./ldst_addr.ts";
import { memLoad, memStore } from "./emit.ts";

/** Register-name letters by access size in bytes. */
export const VNAME: Record<number, string> = { 1: "b", 2: "h", 4: "s", 8: "d", 16: "q" };

/**
 * Declares `${p}0`..: the words of a `size`-byte load (1, 2, 4, 8, 16) at (l, h); (l, h) must be
 * simple expressions (locals).
 */
export function loadV(p: string, size: number, l: string, h: string): string {
  if (size <= 4) return memLoad(`${p}0`, size as 1 | 2 | 4, l, h);
  const first = `${memLoad(`${p}0`, 8, l, h)}const ${p}1=${p}0H;`;
  if (size === 8) return first;
  const [l8, h8] = plus(l, h, 8);
  // The second half's address: bind it first so memLoad gets simple operands.
  return `${first}const ${p}l8=${l8},${p}h8=${h8};${
    memLoad(`${p}2`, 8, `${p}l8`, `${p}h8`)
  }const ${p}3=${p}2H;`;
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
      return memStore(1, l, h, `vb[${16 * t}]`);
    case 2:
      return memStore(2, l, h, `vh[${8 * t}]`);
    case 4:
      return memStore(4, l, h, `vw[${4 * t}]`);
    case 8:
      return memStore(8, l, h, `vw[${4 * t}]`, `vw[${4 * t + 1}]`);
    default: {
      // Q: both halves translated before either is written would need a two-page check; the
      // slow path of the first store faults before anything is written, as before.
      const [l8, h8] = plus(l, h, 8);
      return `${memStore(8, l, h, `vw[${4 * t}]`, `vw[${4 * t + 1}]`)}{const ql=${l8},qh=${h8};${
        memStore(8, "ql", "qh", `vw[${4 * t + 2}]`, `vw[${4 * t + 3}]`)
      }}`;
    }
  }
}
