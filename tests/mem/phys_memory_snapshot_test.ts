/**
 * PhysMemory.save()/restore()/fork(): only non-zero touched pages are kept, restore rewrites
 * pages in place (views others hold stay live), states and forks are independent copies, and
 * junk states are refused with the memory unchanged.
 */
import assert from "node:assert/strict";
import { PAGE_SIZE, PhysMemory } from "../../core/mem/phys_memory.ts";

const BASE = 0x4000_0000, PFN0 = BASE / PAGE_SIZE;

function mem(): PhysMemory {
  const m = new PhysMemory();
  m.addRam("ram", BASE, 1 << 20);
  m.addRam("high", 0x1_0000_0000, 64 << 10);
  return m;
}

Deno.test("memory snapshot: non-zero pages round-trip into a fresh memory", () => {
  const m = mem();
  m.write(BASE + 0x1ffe, Uint8Array.of(1, 2, 3, 4)); // crosses into the next page
  m.write(0x1_0000_0000 + 5 * PAGE_SIZE, Uint8Array.of(0xff));
  m.page(PFN0 + 7); // touched, still zero: not saved
  const s = m.save();
  assert.deepEqual([...s.pfns], [PFN0 + 1, PFN0 + 2, 0x1_0000_0000 / PAGE_SIZE + 5]);
  assert.equal(s.data.length, 3 * PAGE_SIZE);
  const copy = mem();
  copy.restore(structuredClone(s));
  assert.deepEqual(copy.read(BASE + 0x1ffe, 4), Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(copy.read(0x1_0000_0000 + 5 * PAGE_SIZE, 1), Uint8Array.of(0xff));
  assert.equal(copy.touchedPages, 3);
  assert.deepEqual(copy.save(), s);
});

Deno.test("memory snapshot: restore rewrites in place and never aliases the state", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(9));
  const s = m.save();
  const held = m.page(PFN0)!;
  const other = m.page(PFN0 + 3)!;
  m.write(BASE, Uint8Array.of(1));
  other.setUint8(10, 0x77);
  m.restore(s);
  assert.equal(held.getUint8(0), 9, "a held view sees the restored byte");
  assert.equal(other.getUint8(10), 0, "a page absent from the state reads zero");
  assert.equal(m.page(PFN0), held);
  // Writes after restore do not reach the state: it restores the same again.
  held.setUint8(0, 5);
  assert.equal(s.data[0], 9);
  const again = mem();
  again.restore(s);
  again.restore(s);
  assert.equal(again.read(BASE, 1)[0], 9);
  // Nor does the state alias the memory it was saved from.
  const s2 = m.save();
  held.setUint8(0, 6);
  assert.equal(s2.data[0], 5);
});

Deno.test("memory fork: an independent copy of every touched page", () => {
  const m = mem();
  m.write(BASE + 100, Uint8Array.of(1, 2));
  const f = m.fork();
  assert.deepEqual(f.regions, m.regions);
  assert.deepEqual(f.read(BASE + 100, 2), Uint8Array.of(1, 2));
  f.write(BASE + 100, Uint8Array.of(3));
  m.write(BASE + 101, Uint8Array.of(4));
  assert.deepEqual(m.read(BASE + 100, 2), Uint8Array.of(1, 4));
  assert.deepEqual(f.read(BASE + 100, 2), Uint8Array.of(3, 2));
  assert.equal(f.page(PFN0)!.byteOffset, 0);
  assert.equal(f.page(PFN0)!.buffer.byteLength, PAGE_SIZE);
});

Deno.test("memory snapshot: junk is refused and the memory is unchanged", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(42));
  const good = m.save();
  const bad: [string, unknown, RegExp][] = [
    ["null", null, /not an object/],
    ["regions", { ...good, regions: [good.regions[0]] }, /regions/],
    ["region size", {
      ...good,
      regions: [{ ...good.regions[0], size: 4096 }, good.regions[1]],
    }, /regions/],
    ["pfns array", { ...good, pfns: [PFN0] }, /pfns/],
    ["data short", { ...good, data: new Uint8Array(10) }, /data/],
    ["data kind", { ...good, data: new Int8Array(PAGE_SIZE) }, /data/],
    ["not RAM", { ...good, pfns: Float64Array.of(5) }, /pfns\[0\]/],
    ["fraction", { ...good, pfns: Float64Array.of(PFN0 + 0.5) }, /pfns\[0\]/],
    [
      "descending",
      { ...good, pfns: Float64Array.of(PFN0 + 1, PFN0), data: new Uint8Array(2 * PAGE_SIZE) },
      /pfns\[1\]/,
    ],
  ];
  for (const [what, s, msg] of bad) {
    assert.throws(() => m.restore(s as never), msg, what);
    assert.deepEqual(m.save(), good, `${what}: memory changed`);
  }
});
