/**
 * How a vcpu waits for its device model. With the run loop's gate wired (core/hyp/ioreq/
 * ioreq_wait.ts, asked by Hypervisor.block and wake), an interrupt arriving during the wait
 * neither wakes nor runs the vcpu; without it the vcpu may run early, and then the same access
 * completes when it traps again. Destroying the server under a waiting vcpu finishes the access
 * with the request's own data, as Xen's completion does when no server holds it.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import { forwardMmio } from "../../core/hyp/ioreq/ioreq_forward.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";
import {
  answer,
  bindSlotPort,
  dmOp,
  guestKernel,
  type IoreqLab,
  ioreqLab,
  putAnswer,
  READ_GUEST,
  serveDevice,
  slot,
} from "./ioreq_fixture.ts";

/** A lab whose domU is waiting on its first read; dom0's bound port. */
function waiting(): IoreqLab & { lport: number; id: number } {
  const lab = ioreqLab(1, [guestKernel(READ_GUEST)]);
  const { hv, v0, domUs: [du] } = lab;
  const id = serveDevice(lab, du);
  const lport = bindSlotPort(lab, du);
  const ready = () => slot(v0, 0, "state") === D.STATE_IOREQ_READY;
  assert.equal(hv.run({ maxCycles: 10_000_000, until: ready }).reason, "until");
  return { ...lab, lport, id };
}

Deno.test({
  name: "ioreq wait: an interrupt during the wait neither wakes nor runs the vcpu",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, v0, domUs: [du], lport } = waiting();
    const v = du.vcpus[0];
    const running = v.runstate.timeNs[0], runnable = v.runstate.timeNs[1];
    assert.equal(hv.injectIrq(du.id, null, 40), "delivered");
    hv.wake(v);
    hv.run({ maxCycles: 5_000_000 });
    assert.equal(v.runstate.state, "blocked");
    assert.equal(v.runstate.timeNs[0], running, "not run");
    assert.equal(v.runstate.timeNs[1], runnable, "not made runnable");
    assert.equal(answer(hv, v0, 0, 0x1234n, lport), 0);
    hv.run({ maxCycles: 5_000_000, until: () => v.cpu.getX(4) === 1n });
    assert.equal(v.cpu.getX(1), 0x1234n);
    assert.equal(v.cpu.getX(4), 1n);
  },
});

Deno.test({
  name: "ioreq wait: a vcpu let run early traps again and waits, or takes an answer already there",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, v0, domUs: [du] } = waiting();
    const v = du.vcpus[0];
    const pc = v.cpu.pc;
    // What a run loop without the gate does on an interrupt: wake the waiting vcpu.
    const earlyWake = () => {
      const p = du.ioreq.pending[0];
      du.ioreq.pending[0] = null;
      hv.wake(v);
      du.ioreq.pending[0] = p;
    };
    earlyWake();
    hv.run({ maxCycles: 2_000_000 });
    assert.equal(v.runstate.state, "blocked", "it trapped on the same load and waits again");
    assert.equal(v.cpu.pc, pc);
    assert.equal(v.cpu.getX(1), 7n);
    earlyWake();
    // The answer is in the slot but its event has not come: the re-executed load takes it.
    putAnswer(v0, 0, 0x55n);
    hv.run({ maxCycles: 5_000_000, until: () => v.cpu.getX(4) === 1n });
    assert.equal(v.cpu.getX(1), 0x55n);
    assert.equal(slot(v0, 0, "state"), D.STATE_IOREQ_NONE);
  },
});

Deno.test({
  name: "ioreq wait: another access while one is in flight is refused (Xen's wrong state)",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, domUs: [du] } = waiting();
    const v = du.vcpus[0];
    const a = { ipa: 0x1000_0020n, size: 4, write: false, reg: 2, signExtend: false } as const;
    du.ioreq.pending[0]!.pc = v.cpu.pc - 4n;
    assert.equal(forwardMmio(hv, du, v, { ...a, sixtyFour: false }), "unhandled");
    assert.ok(hv.logEntries.at(-1)!.msg.includes("while an ioreq is in flight"));
  },
});

Deno.test({
  name: "ioreq wait: destroying the server finishes the waiting access with the request's data",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, v0, domUs: [du], id } = waiting();
    const v = du.vcpus[0];
    const r = dmOp(
      hv,
      v0,
      du.id,
      D.XEN_DMOP_destroy_ioreq_server,
      D.xen_dm_op_destroy_ioreq_server,
      {
        id,
      },
    );
    assert.equal(r.rc, 0);
    hv.run({ maxCycles: 5_000_000, until: () => v.cpu.getX(4) === 1n });
    assert.equal(v.cpu.getX(1), 7n, "the read returned the register's own value (request data)");
    assert.equal(v.cpu.getX(4), 1n);
  },
});
