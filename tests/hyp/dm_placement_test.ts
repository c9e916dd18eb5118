/**
 * The vpl011's device model placed in the hypervisor or as an EL0 app: the guest sees the same
 * UART either way; the EL0 app costs its serviced vcpu a context switch per access; a model that
 * crashes or hangs takes down the whole machine from the hypervisor (a simulated panic, never a
 * host exception) but only the domain it serves as an EL0 app; placement and faults snapshot.
 */
import assert from "node:assert/strict";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { InlinePlacement } from "../../core/hyp/dm/placement.ts";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import { ticker } from "../../tools/lab/placement_lab.ts";

const MS = 1_200_000;

Deno.test("dm placement: the same UART output in the hypervisor and as an EL0 app, at a cost", () => {
  const runs = (["hypervisor", "el0"] as const).map((placement) => {
    const hv = new Hypervisor({ pcpus: 1 });
    const d = ticker(hv, "t", placement);
    hv.run({ maxCycles: 5 * MS });
    const placed = hv.runtimes.get(d.domain.id)!.backends.vpl011Placed!;
    return { hv, d, placed, text: hv.console(d.domain.id).text };
  });
  const [inHyp, el0] = runs;
  assert.match(inHyp.text, /tick 4\n/);
  // The EL0 app's switches delay the guest a little: its text may lag, never differ.
  assert.ok(inHyp.text.startsWith(el0.text) || el0.text.startsWith(inHyp.text));
  assert.match(el0.text, /tick 3\n/);
  const n = el0.placed.state.accesses;
  assert.ok(n > 50, `only ${n} UART accesses`);
  const hyp = (r: typeof inHyp) => r.d.domain.vcpus[0].hypCycles;
  // Every access of the EL0 placement paid el0Switch on the serviced vcpu.
  assert.ok(hyp(el0) - hyp(inHyp) >= (n - 20) * el0.hv.costs.el0Switch);
});

Deno.test("dm placement: a crash in the hypervisor panics the machine; as an EL0 app it crashes only its domain", () => {
  for (const placement of ["hypervisor", "el0"] as const) {
    const hv = new Hypervisor({ pcpus: 2 });
    const victim = ticker(hv, "victim", placement);
    const other = ticker(hv, "other", "hypervisor");
    hv.run({ maxCycles: 2 * MS });
    hv.runtimes.get(victim.domain.id)!.backends.vpl011Placed!.state.fault = "crash";
    const before = hv.console(other.domain.id).text.length;
    const r = hv.run({ maxCycles: 5 * MS });
    if (placement === "hypervisor") {
      assert.equal(r.reason, "panic");
      assert.match(hv.panicked!.reason, /device model vpl011 faulted: crashed on purpose/);
      assert.equal(hv.run({ maxCycles: MS }).reason, "panic", "a panicked machine stays down");
    } else {
      assert.equal(r.reason, "limit");
      assert.equal(hv.panicked, null);
      assert.equal(victim.domain.shutdownReason, "crash");
      assert.ok(hv.console(other.domain.id).text.length > before + 10, "the other domain runs on");
      assert.ok(hv.logEntries.some((e) => /EL0 app; the domain it served is crashed/.test(e.msg)));
    }
  }
});

Deno.test("dm placement: a hung model is a watchdog panic in the hypervisor, a stuck vcpu as an EL0 app", () => {
  for (const placement of ["hypervisor", "el0"] as const) {
    const hv = new Hypervisor({ pcpus: 2 });
    const victim = ticker(hv, "victim", placement);
    const other = ticker(hv, "other", "hypervisor");
    hv.run({ maxCycles: 2 * MS });
    hv.runtimes.get(victim.domain.id)!.backends.vpl011Placed!.state.fault = "hang";
    const victimText = hv.console(victim.domain.id).text.length;
    const otherText = hv.console(other.domain.id).text.length;
    const r = hv.run({ maxCycles: 4 * MS });
    if (placement === "hypervisor") {
      assert.equal(r.reason, "panic");
      assert.match(hv.panicked!.reason, /watchdog: a pCPU is stuck in device model vpl011/);
    } else {
      assert.equal(r.reason, "limit");
      assert.ok(victim.domain.alive, "a hung EL0 app does not crash its domain");
      assert.equal(hv.console(victim.domain.id).text.length, victimText, "it stopped printing");
      assert.ok(hv.console(other.domain.id).text.length > otherText + 10, "the other runs on");
      // The serviced vcpu re-enters the hung app: it keeps running (burning its own time).
      assert.equal(victim.domain.vcpus[0].runstate.state, "runnable");
    }
  }
});

Deno.test("dm placement: placement, faults and the panic record survive a fork", () => {
  const hv = new Hypervisor({ pcpus: 1 });
  const d = ticker(hv, "t", "el0");
  hv.run({ maxCycles: MS });
  const f = forkMachine(hv);
  const placed = f.runtimes.get(d.domain.id)!.backends.vpl011Placed!;
  assert.deepEqual(placed.save(), hv.runtimes.get(d.domain.id)!.backends.vpl011Placed!.save());
  assert.equal(placed.placement, "el0");
  placed.placement = "hypervisor";
  assert.throws(() => {
    placed.placement = "stubdom" as InlinePlacement;
  }, /placement "stubdom" is not hypervisor or el0/);
  assert.throws(() => placed.restore({ ...placed.save(), fault: "melt" as "none" }), /fault/);
  hv.panic("test panic");
  assert.equal(forkMachine(hv).panicked?.reason, "test panic");
});
