/**
 * Tlb.flushSlot: a TLBI by VA under TBI drops the cached page whatever its top byte, without
 * flushing the rest of the TLB (Linux sets TBI1, so this is every kernel TLBI by VA). The
 * end-to-end check against QEMU is the mmu_walk guest's "tlbi by va with tagged aliases".
 */
import assert from "node:assert/strict";
import { Tlb, vpnOf } from "../../core/cpu/engine/tlb.ts";

Deno.test("tlb: flushSlot drops a tagged alias of the page and nothing else", () => {
  const t = new Tlb();
  const page = new DataView(new ArrayBuffer(4096));
  const lo = 0x4012_3000 | 0, hiTagged = 0x5a00_0000, hiOther = 0;
  const tagged = vpnOf(lo, hiTagged), neighbour = vpnOf(lo + 0x1000, hiOther);
  t.fill(tagged, 7, page);
  t.fill(neighbour, 8, page);
  t.flushSlot(lo); // the untagged VA of the same page
  assert.equal(t.tag[tagged % 2048], -1);
  assert.equal(t.tag[neighbour % 2048], neighbour);
});
