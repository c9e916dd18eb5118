/**
 * forkMachine shares memory copy-on-write: a fork and its parent run on independently. Writes by
 * either side's guest or hypervisor never reach the other (the parent's write TLB entries must
 * go at the fork, and a PE's read entries of a shared page when the page is split), and a fork
 * given the same inputs runs exactly as its parent (trace hash).
 */
import assert from "node:assert/strict";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { hypLab, RAM_BASE } from "../../tools/lab/hyp_lab.ts";
import { traceRun } from "../../tools/snapshot/trace_hash.ts";
import { HvLab } from "../../repl/hv_lab.ts";

/** Guest-physical addresses of the counter (written every iteration) and the step (only read). */
const COUNTER = RAM_BASE + 0x1000, STEP = RAM_BASE + 0x2000;

/**
 * x0 = COUNTER; loop: x1 = [x0]; x2 = [x0 + 4096] (the step); x1 += x2; [x0] = x1. One block per
 * iteration, the MMU off (virtual = guest-physical), so each side's counter and x2 show which
 * buffers its loads and stores reached.
 */
const STEPPER = new Uint8Array(
  new Uint32Array([
    0xd2820000, // mov  x0, #0x1000
    0xf2a80000, // movk x0, #0x4000, lsl #16
    0xf9400001, // ldr  x1, [x0]
    0xf9480002, // ldr  x2, [x0, #4096]
    0x8b020021, // add  x1, x1, x2
    0xf9000001, // str  x1, [x0]
    0x17fffffc, // b    (the first ldr)
  ]).buffer,
);

/** The lab domain's guest memory, its vcpu's x1/x2 and its counter in memory. */
function look(hv: Hypervisor) {
  const d = [...hv.domains.values()][0];
  const c = d.vcpus[0].cpu;
  return {
    phys: d.phys,
    x1: c.getX(1),
    x2: c.getX(2),
    counter: d.phys.u64(COUNTER),
    step: d.phys.u64(STEP),
  };
}

Deno.test("fork: guest and hypervisor writes on either side never reach the other", () => {
  const { hv, doms } = hypLab({ kernel: STEPPER });
  doms[0].domain.phys.setU64(STEP, 1n);
  hv.run({ maxCycles: 1_000_000 });
  const atFork = look(hv);
  assert.ok(atFork.counter > 1000n, `the guest ran (counter ${atFork.counter})`);
  const same = forkMachine(hv), poked = forkMachine(hv);

  // The poked fork runs first (its PE caches the shared step page), then its hypervisor writes
  // the step: the page splits under the PE's read TLB, which must then see the new value.
  poked.run({ maxCycles: 300_000 });
  const beforePoke = look(poked).counter;
  look(poked).phys.setU64(STEP, 1000n);
  poked.run({ maxCycles: 300_000 });
  const p = look(poked);
  assert.equal(p.x2, 1000n, "the poked fork's loads see its own new step");
  assert.ok(p.counter - beforePoke > 1000n * 1000n, `counter ${beforePoke} -> ${p.counter}`);
  assert.ok(p.x1 === p.counter || p.x1 === p.counter + p.x2, "its stores reach its own page");
  for (const other of [hv, same]) {
    assert.deepEqual([look(other).counter, look(other).step], [atFork.counter, 1n]);
  }

  // The parent runs on: its PE's write TLB held the counter page before the fork, yet its stores
  // must not reach the forks' memory.
  const a = traceRun(hv, 5, 200_000);
  const h = look(hv);
  assert.ok(
    h.counter > atFork.counter + 10_000n,
    `parent counter ${atFork.counter} -> ${h.counter}`,
  );
  assert.ok(h.x1 === h.counter || h.x1 === h.counter + 1n, "the parent's stores reach its page");
  assert.equal(look(same).counter, atFork.counter, "the parent's stores stayed in the parent");
  assert.equal(look(poked).counter, p.counter);

  // The unpoked fork given the same inputs runs exactly as the parent did.
  const b = traceRun(same, 5, 200_000);
  assert.equal(b.hash, a.hash);
  assert.equal(look(same).counter, h.counter);
  assert.equal(look(hv).counter, h.counter);
});

Deno.test("fork: a fork taken from a fork, and forks that run before their parent", () => {
  const { hv, doms } = hypLab({ kernel: STEPPER });
  doms[0].domain.phys.setU64(STEP, 3n);
  hv.run({ maxCycles: 500_000 });
  const f1 = forkMachine(hv);
  const f2 = forkMachine(f1);
  // The youngest runs first, the parent last: each must start from the state at the fork.
  const r2 = traceRun(f2, 4, 150_000), r1 = traceRun(f1, 4, 150_000);
  const r0 = traceRun(hv, 4, 150_000);
  assert.equal(r1.hash, r0.hash);
  assert.equal(r2.hash, r0.hash);
  assert.deepEqual([look(f2).counter, look(f1).counter], [look(hv).counter, look(hv).counter]);
});

Deno.test("fork: the lab domU given console input diverges; the one without does not", () => {
  const lab = HvLab.defaultLab();
  lab.runFor("2ms");
  const quiet = forkMachine(lab.hv), typed = forkMachine(lab.hv);
  const id = [...typed.domains.keys()][0];
  typed.console(id).input("hvlab-cow");
  const a = traceRun(lab.hv, 4, 1_200_000);
  const q = traceRun(quiet, 4, 1_200_000), t = traceRun(typed, 4, 1_200_000);
  assert.equal(q.hash, a.hash);
  assert.deepEqual(q.consoles, a.consoles);
  assert.notEqual(t.hash, a.hash);
  assert.ok(t.consoles[id].includes("hvlab-cow"), "the typed fork echoed its input");
  assert.ok(!a.consoles[id].includes("hvlab-cow"), "the parent never saw it");
});
