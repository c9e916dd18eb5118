/**
 * PhysMemory copy-on-write: fork() shares page buffers, the first write on either side copies,
 * the last holder keeps its buffer without a copy, held pages (page()) are copied at the fork,
 * view caches hear when pages become shared and when a shared page moves, and discard, save and
 * restore of a forked memory never reach the other side.
 */
import assert from "node:assert/strict";
import { PAGE_SIZE, type PageViewCache, PhysMemory } from "../../core/mem/phys_memory.ts";

const BASE = 0x4000_0000, PFN0 = BASE / PAGE_SIZE;

function mem(): PhysMemory {
  const m = new PhysMemory();
  m.addRam("ram", BASE, 1 << 20);
  return m;
}

/** A view cache that records what it is told. */
function recorder(): PageViewCache & { shared: number; moved: number[] } {
  const r = {
    shared: 0,
    moved: [] as number[],
    pagesShared: () => void r.shared++,
    pageMoved: (pfn: number) => void r.moved.push(pfn),
  };
  return r;
}

Deno.test("memory COW: a fork shares buffers; a write on either side stays on that side", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(1, 2, 3));
  m.write(BASE + PAGE_SIZE, Uint8Array.of(7));
  const before = m.readPage(PFN0)!;
  const f = m.fork();
  assert.equal(f.readPage(PFN0), before, "shared, not copied");
  assert.ok(m.isShared(PFN0) && f.isShared(PFN0));
  f.write(BASE, Uint8Array.of(9));
  assert.notEqual(f.readPage(PFN0), before, "the writer got a copy");
  assert.deepEqual(m.read(BASE, 3), Uint8Array.of(1, 2, 3));
  assert.deepEqual(f.read(BASE, 3), Uint8Array.of(9, 2, 3));
  // The parent is now the buffer's only holder: its write takes it over without a copy.
  m.writePage(PFN0)!.setUint8(1, 5);
  assert.equal(m.readPage(PFN0), before);
  assert.equal(m.isShared(PFN0), false);
  assert.deepEqual(f.read(BASE, 3), Uint8Array.of(9, 2, 3));
  // The other page: written by the parent first this time.
  m.write(BASE + PAGE_SIZE, Uint8Array.of(8));
  assert.deepEqual(f.read(BASE + PAGE_SIZE, 1), Uint8Array.of(7));
  assert.deepEqual(m.read(BASE + PAGE_SIZE, 1), Uint8Array.of(8));
});

Deno.test("memory COW: three holders; each write copies until one holder is left", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(1));
  const buf = m.readPage(PFN0)!;
  const a = m.fork(), b = m.fork();
  a.write(BASE, Uint8Array.of(2));
  m.write(BASE, Uint8Array.of(3));
  assert.notEqual(m.readPage(PFN0), buf, "two others still held it: copied");
  b.write(BASE, Uint8Array.of(4));
  assert.equal(b.readPage(PFN0), buf, "the last holder keeps it");
  assert.deepEqual([m, a, b].map((x) => x.read(BASE, 1)[0]), [3, 2, 4]);
  // A fork of a fork shares with it and not with the others' copies.
  const c = b.fork();
  c.write(BASE, Uint8Array.of(5));
  assert.deepEqual([m, a, b, c].map((x) => x.read(BASE, 1)[0]), [3, 2, 4, 5]);
});

Deno.test("memory COW: untouched and zero pages; a page touched on one side only", () => {
  const m = mem();
  m.readPage(PFN0 + 5); // touched, all zeros
  const f = m.fork();
  assert.equal(f.touchedPages, 1);
  f.write(BASE + 5 * PAGE_SIZE, Uint8Array.of(1));
  f.write(BASE + 9 * PAGE_SIZE, Uint8Array.of(2)); // untouched in both
  assert.deepEqual(m.read(BASE + 5 * PAGE_SIZE, 1), Uint8Array.of(0));
  assert.equal(m.touchedPages, 1, "the fork's new page is not the parent's");
  assert.deepEqual(m.read(BASE + 9 * PAGE_SIZE, 1), Uint8Array.of(0));
  assert.equal(m.touchedPages, 2);
  assert.deepEqual(f.read(BASE + 9 * PAGE_SIZE, 1), Uint8Array.of(2));
  assert.equal(f.readPage(0), undefined, "not RAM");
  assert.equal(f.writePage(0), undefined, "not RAM");
});

Deno.test("memory COW: held pages are copied at the fork and stay live for their holder", () => {
  const m = mem();
  const held = m.page(PFN0)!;
  held.setUint8(0, 1);
  m.write(BASE + PAGE_SIZE, Uint8Array.of(1));
  const f = m.fork();
  assert.equal(m.isShared(PFN0), false, "a held page is never shared");
  assert.equal(m.isShared(PFN0 + 1), true);
  assert.notEqual(f.readPage(PFN0), held);
  held.setUint8(0, 2);
  assert.equal(f.read(BASE, 1)[0], 1, "the holder's writes stay in the parent");
  assert.equal(m.page(PFN0), held, "and page() still hands out the same view");
  // page() of a shared page splits it and pins it private from then on.
  const fh = f.page(PFN0 + 1)!;
  fh.setUint8(0, 9);
  assert.equal(m.read(BASE + PAGE_SIZE, 1)[0], 1);
  const g = f.fork();
  fh.setUint8(0, 10);
  assert.equal(g.read(BASE + PAGE_SIZE, 1)[0], 9);
});

Deno.test("memory COW: view caches hear of sharing and of moved pages", () => {
  const m = mem(), rm = recorder();
  m.addViewCache(rm);
  m.write(BASE, Uint8Array.of(1));
  m.write(BASE + PAGE_SIZE, Uint8Array.of(1));
  const f = m.fork(), rf = recorder();
  f.addViewCache(rf);
  assert.equal(rm.shared, 1, "the parent's private pages became shared");
  f.write(BASE, Uint8Array.of(2));
  assert.deepEqual(rf.moved, [PFN0], "the fork's page got a new buffer");
  assert.deepEqual(rm.moved, [], "the parent's did not");
  m.write(BASE, Uint8Array.of(3)); // last holder: no copy, nothing moves
  assert.deepEqual(rm.moved, []);
  m.write(BASE + PAGE_SIZE, Uint8Array.of(3));
  assert.deepEqual(rm.moved, [PFN0 + 1]);
  // A second fork: page 0 is private again (so newly shared), page 1's copy too.
  m.fork();
  assert.equal(rm.shared, 2);
  // Forking a fork whose pages are all shared already shares nothing new.
  const g = mem(), rg = recorder();
  g.addViewCache(rg);
  g.write(BASE, Uint8Array.of(1));
  const h = g.fork();
  h.fork();
  g.fork();
  assert.equal(rg.shared, 1);
});

Deno.test("memory COW: discard on one side leaves the other's page", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(4));
  const buf = m.readPage(PFN0)!;
  const f = m.fork();
  m.discard(PFN0);
  assert.equal(m.read(BASE, 1)[0], 0);
  assert.equal(f.read(BASE, 1)[0], 4);
  f.write(BASE, Uint8Array.of(5));
  assert.equal(f.readPage(PFN0), buf, "the discard left the fork the only holder");
  assert.equal(m.read(BASE, 1)[0], 0);
});

Deno.test("memory COW: save and restore of a forked memory never reach the other side", () => {
  const m = mem();
  m.write(BASE, Uint8Array.of(1));
  m.write(BASE + 3 * PAGE_SIZE, Uint8Array.of(3));
  const f = m.fork();
  assert.deepEqual(f.save(), m.save());
  f.write(BASE, Uint8Array.of(2));
  const fs = f.save();
  assert.deepEqual([...fs.data.subarray(0, 1)], [2]);
  assert.deepEqual([...m.save().data.subarray(0, 1)], [1]);
  // Restoring the parent rewrites its pages in place: shared ones are split first.
  const other = mem();
  other.write(BASE + 7 * PAGE_SIZE, Uint8Array.of(7));
  m.restore(other.save());
  assert.deepEqual(m.read(BASE + 3 * PAGE_SIZE, 1), Uint8Array.of(0));
  assert.deepEqual(f.read(BASE + 3 * PAGE_SIZE, 1), Uint8Array.of(3));
  assert.deepEqual(f.save(), fs);
  // restoreShared into a memory that has pages: rewritten in place, held views stay valid.
  const t = mem();
  const held = t.page(PFN0)!;
  t.write(BASE + 5 * PAGE_SIZE, Uint8Array.of(5));
  t.restoreShared(f);
  assert.equal(held.getUint8(0), 2);
  assert.deepEqual(t.read(BASE + 5 * PAGE_SIZE, 1), Uint8Array.of(0));
  assert.deepEqual(t.save(), fs);
  held.setUint8(0, 6);
  assert.equal(f.read(BASE, 1)[0], 2);
});

Deno.test("memory COW: restoreShared refuses other regions and itself", () => {
  const m = mem(), other = new PhysMemory();
  other.addRam("ram", BASE, 2 << 20);
  m.write(BASE, Uint8Array.of(1));
  assert.throws(() => m.restoreShared(other), /restoreShared: regions differ/);
  assert.throws(() => m.restoreShared(m), /itself/);
  assert.equal(m.read(BASE, 1)[0], 1);
  assert.equal(m.isShared(PFN0), false);
});

Deno.test("memory COW: a collected fork gives up its shares (the survivor's write copies nothing)", async () => {
  // Needs a collectable fork and a forced GC: a child process with --expose-gc.
  const url = new URL("../../core/mem/phys_memory.ts", import.meta.url).href;
  const script = `
    import { PAGE_SIZE, PhysMemory } from "${url}";
    const BASE = 0x4000_0000, PFN0 = BASE / PAGE_SIZE;
    const parents = [0, 1].map(() => {
      const m = new PhysMemory();
      m.addRam("ram", BASE, 1 << 20);
      m.write(BASE, Uint8Array.of(1));
      return m;
    });
    const before = parents.map((m) => m.readPage(PFN0));
    const live = parents[0].fork();
    (() => { parents[1].fork().read(BASE, 1); })();
    for (let i = 0; i < 20; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); }
    console.log(JSON.stringify(parents.map((m, i) => m.writePage(PFN0) === before[i])));
    live.read(BASE, 1);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  // The parent of a live fork copies on its write; the parent of a collected one keeps its page.
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [false, true]);
});
