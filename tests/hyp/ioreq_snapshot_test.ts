/**
 * Ioreq servers in machine snapshots: a machine saved while a vcpu waits for its device model
 * restores (from the snapshot file, in a fresh machine) with the server, its ports and page, and
 * the request in flight; the device model answers in the restored machine and the guest goes on.
 * A malformed ioreq record is refused with the field named.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import {
  restoreMachine,
  restoreSnapshotFile,
  saveMachine,
  snapshotFile,
} from "../../core/hyp/machine_snapshot.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";
import {
  answer,
  bindSlotPort,
  createServer,
  guestKernel,
  ioreqLab,
  READ_GUEST,
  serveDevice,
  slot,
} from "./ioreq_fixture.ts";

Deno.test({
  name: "ioreq snapshot: a waiting vcpu's request survives save and restore and completes",
  ignore: !haveCrossAs(),
  fn: () => {
    const lab = ioreqLab(1, [guestKernel(READ_GUEST)]);
    const { hv, v0, dom0, domUs: [du] } = lab;
    const id = serveDevice(lab, du);
    const lport = bindSlotPort(lab, du);
    dom0.dmTarget = du.id;
    hv.run({ maxCycles: 10_000_000, until: () => slot(v0, 0, "state") === D.STATE_IOREQ_READY });

    const hv2 = restoreSnapshotFile(snapshotFile(hv));
    const d2 = hv2.domain(du.id)!, dom02 = hv2.domain(dom0.id)!, v02 = dom02.vcpus[0];
    assert.deepEqual(d2.ioreq.servers, du.ioreq.servers);
    assert.deepEqual(d2.ioreq.pending, du.ioreq.pending);
    assert.equal(dom02.dmTarget, du.id, "a stub domain's target is kept");
    assert.equal(d2.vcpus[0].runstate.state, "blocked");
    assert.equal(slot(v02, 0, "state"), D.STATE_IOREQ_READY);
    assert.ok(d2.evtchn.isXenPort(d2.ioreq.servers[id]!.vcpuPorts[0]));
    assert.equal(answer(hv2, v02, 0, 0xabcdn, lport), 0, "the restored port reaches the server");
    hv2.run({ maxCycles: 5_000_000, until: () => d2.vcpus[0].cpu.getX(4) === 1n });
    assert.equal(d2.vcpus[0].cpu.getX(1), 0xabcdn);
    assert.equal(du.vcpus[0].runstate.state, "blocked", "the original machine is untouched");
    assert.equal(slot(v0, 0, "state"), D.STATE_IOREQ_READY);
  },
});

Deno.test("ioreq snapshot: malformed ioreq state is refused, naming the field", () => {
  const { hv, v0, domUs: [du] } = ioreqLab(1);
  createServer(hv, v0, du.id);
  const cases: [string, (s: Record<string, unknown>) => void, RegExp][] = [
    ["mfn", (s) => ((s.servers as Record<string, unknown>[])[0].ioreqMfn = "x"), /ioreqMfn/],
    ["slots", (s) => (s.servers as unknown[]).pop(), /ioreq.servers: 7 slots/],
    [
      "ranges",
      (s) => (((s.servers as Record<string, unknown>[])[0].ranges as unknown[][])[1] = [[5n, 4n]]),
      /ranges\[1\]\[0\]\[1\]/,
    ],
    ["pending", (s) => (s.pending = [{ server: 3 }]), /no ioreq server 3/],
  ];
  for (const [what, spoil, re] of cases) {
    const snap = saveMachine(hv);
    const ds = snap.domains.find((d) => d.own.id === du.id)!;
    spoil(ds.ioreq as unknown as Record<string, unknown>);
    assert.throws(() => restoreMachine(snap), re, what);
  }
  const snap = saveMachine(hv);
  const ev = snap.domains.find((d) => d.own.id === du.id)!.evtchn;
  assert.equal(ev.xen?.length, 1, "the server's port is saved as Xen-attached");
  ev.xen![0].port = ev.ports.findIndex((p) => p.state === "free");
  assert.throws(() => restoreMachine(snap), /evtchn.xen\[0\].port: port \d+ is free/);
});
