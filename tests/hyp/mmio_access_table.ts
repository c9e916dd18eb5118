/**
 * A domU that runs a table of MMIO accesses on one device and stores every value it reads, for
 * the tests that compare a device model in a stub domain (or dom0) with hvlab's in-hypervisor one:
 * the same table runs under each placement and the two lists of reads must agree.
 */
import assert from "node:assert/strict";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";
import { assembleRaw, SCRATCH } from "../../tools/lab/hyp_lab.ts";

/** Access kinds: write or read, and the size in bits. */
export type AccessKind = "w64" | "r64" | "w32" | "r32" | "w16" | "r16" | "w8" | "r8";
/** One access: kind, offset from the device's base, value written. */
export type Access = [kind: AccessKind, offset: number, value?: bigint | number];
/** How the guest's loop tells the kinds apart (0 ends the table). */
const KIND = { w32: 1, r32: 2, w8: 3, r8: 4, w16: 5, r16: 6, w64: 7, r64: 8 } as const;

/** A 32-bit read at `o`. */
export const r = (o: number): Access => ["r32", o];
/** A 32-bit write of `v` at `o`. */
export const w = (o: number, v: number): Access => ["w32", o, v];

/** The read rows of `table`, in order: what each stored value answers. */
export function readsOf(table: Access[]): Access[] {
  return table.filter(([k]) => k[0] === "r");
}

/**
 * The domU's raw image: `prologue` (assembly run first), then `table` on the device at `device`,
 * each read stored as 8 bytes from SCRATCH on; x4 = 1 when done, then WFI forever. The loop uses
 * x1-x3, x5, x6 and x9-x11.
 */
export function accessTableProgram(table: Access[], device: bigint, prologue = ""): Uint8Array {
  if (device < 0n || device > 0xffff_ffffn) {
    throw new Error(`device base 0x${device.toString(16)} is not a 32-bit address`);
  }
  const base = Number(device);
  const rows = table.map(([k, o, v]) => `  .quad ${KIND[k]}, ${o}, ${v ?? 0}`).join("\n");
  const low = base & 0xffff ? `\n  movk x9, #${base & 0xffff}` : "";
  return assembleRaw(`${prologue}
  adr x10, table
  movz x9, #${base >>> 16}, lsl #16${low}
  movz x11, #${SCRATCH >>> 16}, lsl #16
next:
  ldp x1, x2, [x10], #16
  ldr x3, [x10], #8
  cbz x1, done
  add x5, x9, x2
  cmp x1, #1
  b.eq w32
  cmp x1, #2
  b.eq r32
  cmp x1, #3
  b.eq w8
  cmp x1, #4
  b.eq r8
  cmp x1, #5
  b.eq w16
  cmp x1, #7
  b.eq w64
  cmp x1, #8
  b.eq r64
  ldrh w6, [x5]
  b store
w64:
  str x3, [x5]
  b next
w32:
  str w3, [x5]
  b next
w16:
  strh w3, [x5]
  b next
w8:
  strb w3, [x5]
  b next
r64:
  ldr x6, [x5]
  b store
r32:
  ldr w6, [x5]
  b store
r8:
  ldrb w6, [x5]
store:
  str x6, [x11], #8
  b next
done:
  mov x4, #1
1:
  wfi
  b 1b
  .balign 8
table:
${rows}
  .quad 0, 0, 0
`);
}

/**
 * Runs `hv` (at most `maxCycles`) until vcpu `v`, running `table`, is done; asserts it finished
 * (`label` names the run) and returns the values it read, in table order.
 */
export function runAccessTable(
  hv: Hypervisor,
  v: Vcpu,
  table: Access[],
  maxCycles: number,
  label: string,
): bigint[] {
  hv.run({ maxCycles, until: () => v.cpu.getX(4) === 1n });
  assert.equal(v.cpu.getX(4), 1n, `${label}: the program finished`);
  const n = readsOf(table).length;
  const dv = v.guest.readStruct(BigInt(SCRATCH), 8 * n);
  return Array.from({ length: n }, (_, i) => dv.getBigUint64(8 * i, true));
}

/** Each value read as "kind:offset=value" (hex), so a mismatch names the access. */
export function namedReads(table: Access[], values: (number | bigint)[]): string[] {
  const reads = readsOf(table);
  return values.map((val, i) => `${reads[i].join(":")}=${val.toString(16)}`);
}
