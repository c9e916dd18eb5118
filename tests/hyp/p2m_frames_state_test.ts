/**
 * Snapshots of a domain's p2m (runs of typed arrays) and of the machine-frame allocator: a
 * restored copy answers and continues exactly like the original; corrupted states are refused
 * with the field named and nothing changed.
 */
import assert from "node:assert/strict";
import { MachineFrames, type MachineFramesState } from "../../core/hyp/machine_frames.ts";
import { P2m, P2M_RO, P2M_RW, P2M_RWX, P2M_TYPE, type P2mState } from "../../core/hyp/p2m.ts";
import { StateError } from "../../core/hyp/state_check.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

function used(): P2m {
  const p = new P2m(3);
  p.map(0x40000, 0x50000, 2048, P2M_RWX, P2M_TYPE.ram);
  p.map(0x38000, 0x60000, 1, P2M_RWX, P2M_TYPE.xen);
  p.map(0x41000, 0x61000, 1, P2M_RW, P2M_TYPE.grant);
  p.map(0x2f000, 0x8000, 2, P2M_RW, P2M_TYPE.mmio);
  p.unmap(0x40100, 3);
  p.map(0xff_ffff_fff0, 0x70000, 16, P2M_RO, P2M_TYPE.foreign);
  return p;
}

function after(p: P2m): void {
  p.unmap(0x40000, 1);
  p.map(0x40101, 0x90000, 1, P2M_RO, P2M_TYPE.grant);
  p.map(0x40000, 0x91000, 1, P2M_RWX, P2M_TYPE.ram);
}

Deno.test("p2m state: runs round-trip and the copy continues like the original", () => {
  const a = used();
  const s = structuredClone(a.save());
  // 0x40000.. is split by the unmap and the grant page: a handful of runs, not 2048 entries.
  assert.ok(s.gfn.length <= 8, `${s.gfn.length} runs`);
  const b = new P2m(3);
  b.map(0x1000, 0x2000, 4, P2M_RO, P2M_TYPE.ram);
  let flushed = 0;
  b.onInvalidate.push(() => flushed++);
  b.restore(s);
  assert.equal(flushed, 1);
  assert.deepEqual([...b.entries()], [...a.entries()]);
  assert.equal(b.size, a.size);
  assert.equal(b.get(0x1000), undefined);
  assert.deepEqual(b.lookup(0x38000), { pfn: 0x60000, perms: P2M_RWX });
  after(a);
  after(b);
  assert.deepEqual([...b.entries()], [...a.entries()]);
  assert.deepEqual(b.save(), a.save());
});

Deno.test("p2m state: corrupted states are refused and change nothing", () => {
  const good = used().save();
  const b = new P2m(3);
  b.map(0x1000, 0x2000, 4, P2M_RO, P2M_TYPE.ram);
  const before = b.save();
  const cases: [string, (s: P2mState) => void, RegExp][] = [
    ["vmid", (s) => s.vmid = 4, /p2m\.vmid/],
    ["plain array", (s) => (s as { gfn: unknown }).gfn = [...s.gfn], /p2m\.gfn/],
    ["lengths", (s) => s.type = s.type.slice(1), /differ in length/],
    ["count 0", (s) => s.count[1] = 0, /p2m\.count\[1\]/],
    ["fraction", (s) => s.mfn[0] = 0.5, /p2m\.mfn\[0\]/],
    ["overlap", (s) => s.gfn[2] = s.gfn[1], /p2m\.gfn\[2\]/],
    ["beyond 2^40", (s) => s.count[s.count.length - 1] = 17, /p2m\.gfn\[\d+\]/],
    ["perms", (s) => s.perms[0] = 8, /p2m\.perms\[0\]/],
    ["type", (s) => s.type[0] = 9, /p2m\.type\[0\]/],
  ];
  for (const [name, mutate, re] of cases) {
    const s = structuredClone(good);
    mutate(s);
    assert.throws(
      () => b.restore(s),
      (e: Error) => e instanceof StateError && re.test(e.message),
      name,
    );
    assert.deepEqual(b.save(), before, name);
  }
  assert.throws(() => b.restore(null as unknown as P2mState), /p2m: null is not an object/);
  assert.deepEqual(b.save(), before);
});

function frames(): { mem: PhysMemory; f: MachineFrames } {
  const mem = new PhysMemory();
  mem.addRam("m", 0x4000_0000, 1 << 20);
  return { mem, f: new MachineFrames(mem, 0x4000_0000, 1 << 20) };
}

Deno.test("machine frames state: the copy allocates exactly like the original", () => {
  const { f: a } = frames();
  const got = [a.alloc(), a.alloc(), a.allocRange(8), a.alloc()];
  a.free(got[1]);
  a.free(got[0]);
  const s = structuredClone(a.save());
  const { f: b } = frames();
  b.alloc();
  b.restore(s);
  assert.equal(b.used, a.used);
  assert.equal(b.available, a.available);
  const run = (f: MachineFrames) => {
    const out = [f.alloc(), f.alloc(), f.alloc(), f.allocRange(3)];
    f.free(out[2]);
    out.push(f.alloc());
    return out;
  };
  assert.deepEqual(run(b), run(a));
  assert.deepEqual(b.save(), a.save());
});

Deno.test("machine frames state: corrupted states are refused and change nothing", () => {
  const { f: a } = frames();
  a.allocRange(4);
  a.free(0x40001);
  const good = a.save();
  const { f: b } = frames();
  b.alloc();
  const before = b.save();
  const cases: [string, (s: MachineFramesState) => void, RegExp][] = [
    ["region", (s) => s.first++, /frames\.first/],
    ["end", (s) => s.end = 0, /frames\.end/],
    ["next", (s) => s.next = s.end + 1, /frames\.next/],
    ["free beyond next", (s) => s.free.push(s.next), /frames\.free\[1\]/],
    ["free twice", (s) => s.free.push(s.free[0]), /freed twice/],
    ["free junk", (s) => (s.free as unknown[]).push("x"), /frames\.free\[1\]/],
  ];
  for (const [name, mutate, re] of cases) {
    const s = structuredClone(good);
    mutate(s);
    assert.throws(
      () => b.restore(s),
      (e: Error) => e instanceof StateError && re.test(e.message),
      name,
    );
    assert.deepEqual(b.save(), before, name);
  }
});
