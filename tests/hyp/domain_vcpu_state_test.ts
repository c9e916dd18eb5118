/**
 * Snapshots of a domain's and a vcpu's own fields: restored into a fresh hypervisor's domain and
 * vcpu they read back the same and evolve the same; corrupted states are refused with the field
 * named and nothing changed.
 */
import assert from "node:assert/strict";
import { HVM_PARAM_STORE_PFN } from "../../core/hyp/abi/hvm.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import {
  type DomainOwnState,
  restoreDomainOwn,
  saveDomainOwn,
} from "../../core/hyp/domain_state.ts";
import { abiField } from "../../core/hyp/abi/layout.ts";
import { vcpu_info } from "../../core/hyp/abi/shared_info.ts";
import { XenDomainRuntime } from "../../core/hyp/domain_runtime.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";
import { StateError } from "../../core/hyp/state_check.ts";
import { Vcpu } from "../../core/hyp/vcpu.ts";
import { restoreVcpuOwn, saveVcpuOwn, type VcpuOwnState } from "../../core/hyp/vcpu_state.ts";

const UPCALL_PENDING = abiField(vcpu_info, "evtchn_upcall_pending").offset;

function machine(): { d: Domain; v: Vcpu } {
  const hv = new Hypervisor({ pcpus: 2 });
  const d = hv.createDomain("guest");
  hv.createVcpu(d, 0);
  const v = hv.createVcpu(d, 1);
  return { d, v };
}

function use(d: Domain, v: Vcpu): void {
  d.createdNs = 777;
  d.state = "shutdown";
  d.shutdownReason = "crash";
  d.shutdownCode = 3;
  d.ramPages = 4096;
  d.unplacedPages = 7;
  d.maxPages = 8192;
  d.sharedInfoMfn = 0x40123;
  d.hvmParams.set(HVM_PARAM_STORE_PFN, 0x39001n);
  d.hvmParams.set(2, 0xffff_ffff_ffff_ffffn);
  d.consoleIo = true;
  d.runstateUpdateFlag = true;
  v.pcpu = 1;
  v.timeBase = 123_456;
  v.setState("running", 1000);
  v.setState("blocked", 5000);
  v.vcpuInfo = { gfn: 0x40010, offset: 64 };
  v.runstateArea = 0xffff_8000_1234_0000n;
  v.paused = true;
  v.yielded = true;
  v.vtimerInFlight = true;
  v.pollPorts = [3, 5];
  v.pollTimeoutNs = 2 ** 63;
  Vcpu.bump(v.hypercalls, "event_channel_op/send");
  Vcpu.bump(v.hypercalls, "sched_op/poll");
  Vcpu.bump(v.exits, "hvc");
}

function later(d: Domain, v: Vcpu): unknown {
  d.hvmParams.set(9, 1n);
  v.setState("runnable", 9000);
  v.setState("running", 9500);
  Vcpu.bump(v.hypercalls, "sched_op/poll");
  Vcpu.bump(v.exits, "wfi");
  return [saveDomainOwn(d), saveVcpuOwn(v), [...v.hypercalls], v.runstate];
}

Deno.test("domain and vcpu state: restored fields read back and evolve the same", () => {
  const a = machine();
  use(a.d, a.v);
  const snap = structuredClone({ d: saveDomainOwn(a.d), v: saveVcpuOwn(a.v) });
  const b = machine();
  restoreDomainOwn(b.d, snap.d);
  restoreVcpuOwn(b.v, snap.v, 2);
  assert.deepEqual(saveDomainOwn(b.d), snap.d);
  assert.deepEqual(saveVcpuOwn(b.v), snap.v);
  assert.equal(b.v.online, true);
  assert.deepEqual(b.v.runstate.timeNs, [4000, 0, 0, 1000]);
  assert.deepEqual(later(b.d, b.v), later(a.d, a.v));
  // The saved state is a copy: later changes do not reach it.
  assert.equal(snap.v.runstate.state, "blocked");
});

Deno.test("domain and vcpu state: corrupted states are refused and change nothing", () => {
  const a = machine();
  use(a.d, a.v);
  const good = { d: saveDomainOwn(a.d), v: saveVcpuOwn(a.v) };
  const b = machine();
  const before = { d: saveDomainOwn(b.d), v: saveVcpuOwn(b.v) };
  const dCases: [(s: DomainOwnState) => void, RegExp][] = [
    [(s) => s.id = 9, /domain\.id/],
    [(s) => s.name = "other", /domain\.name/],
    [(s) => s.createdNs = -5, /domain\.createdNs/],
    [(s) => (s as { state: string }).state = "zombie", /domain\.state/],
    [(s) => (s as { shutdownReason: string }).shutdownReason = "bored", /shutdownReason/],
    [(s) => s.shutdownCode = 256, /domain\.shutdownCode/],
    [(s) => s.ramPages = -1, /domain\.ramPages/],
    [(s) => s.hvmParams.push([1, 2n]), /parameter 1 appears twice/],
    [(s) => (s.hvmParams[0] as unknown[])[1] = 5, /hvmParams\[0\]\[1\]/],
    [(s) => s.hvmParams[1][1] = 1n << 64n, /hvmParams\[1\]\[1\]/],
    [(s) => s.evtchnPpi = 40, /domain\.evtchnPpi/],
    [(s) => (s as { consoleIo: unknown }).consoleIo = "yes", /domain\.consoleIo/],
  ];
  for (const [mutate, re] of dCases) {
    const s = structuredClone(good.d);
    mutate(s);
    assert.throws(
      () => restoreDomainOwn(b.d, s),
      (e: Error) => e instanceof StateError && re.test(e.message),
      String(re),
    );
  }
  const vCases: [(s: VcpuOwnState) => void, RegExp][] = [
    [(s) => s.id = 0, /vcpu\.id/],
    [(s) => s.pcpu = 2, /vcpu\.pcpu/],
    [(s) => s.timeBase = NaN, /vcpu\.timeBase/],
    [(s) => (s.runstate as { state: string }).state = "sleeping", /runstate\.state/],
    [(s) => s.runstate.timeNs.pop(), /runstate\.timeNs: 3/],
    [(s) => s.runstate.timeNs[2] = -1, /timeNs\[2\]/],
    [(s) => s.vcpuInfo!.offset = 4090, /vcpuInfo\.offset/],
    [(s) => (s as { runstateArea: unknown }).runstateArea = 5, /runstateArea/],
    [(s) => s.pollPorts!.push(-3), /pollPorts\[2\]/],
    [(s) => s.pollTimeoutNs = Infinity, /pollTimeoutNs/],
    [(s) => s.hypercalls.push(["sched_op/poll", 1]), /hypercalls\[2\]\[0\]/],
    [(s) => s.exits[0][1] = 0.5, /exits\[0\]\[1\]/],
  ];
  for (const [mutate, re] of vCases) {
    const s = structuredClone(good.v);
    mutate(s);
    assert.throws(
      () => restoreVcpuOwn(b.v, s, 2),
      (e: Error) => e instanceof StateError && re.test(e.message),
      String(re),
    );
  }
  assert.deepEqual({ d: saveDomainOwn(b.d), v: saveVcpuOwn(b.v) }, before);
});

Deno.test("domain runtime: registered vcpu_info views are re-derived from the restored locations", () => {
  const hv = new Hypervisor({ pcpus: 1 });
  const d = hv.createDomain("guest");
  hv.createVcpu(d, 0);
  const v1 = hv.createVcpu(d, 1);
  d.sharedInfoMfn = hv.frames.alloc();
  d.p2m.map(0x40010, hv.frames.alloc(), 1, P2M_RWX, P2M_TYPE.ram);
  const rt = new XenDomainRuntime(d, { wake: () => {}, injectIrq: () => "dropped" });
  assert.equal(rt.vcpuInfo(1), null);
  const s = saveVcpuOwn(v1);
  s.vcpuInfo = { gfn: 0x40010, offset: 128 };
  restoreVcpuOwn(v1, s, 1);
  rt.restoreVcpuInfo();
  const ref = rt.vcpuInfo(1)!;
  assert.equal(ref.offset, 128);
  // Nothing was marked pending (a registration would have set evtchn_upcall_pending).
  assert.equal(ref.page.getUint8(128 + UPCALL_PENDING), 0);
  ref.page.setUint8(128 + 40, 0x5a);
  assert.equal(d.phys.read(0x40010 * 4096 + 168, 1)[0], 0x5a);
  // A location that is not memory any more is refused and the old view kept.
  v1.vcpuInfo = { gfn: 0x50000, offset: 0 };
  assert.throws(
    () => rt.restoreVcpuInfo(),
    (e: Error) => e instanceof StateError && /vcpu 1/.test(e.message),
  );
  assert.equal(rt.vcpuInfo(1)!.offset, 128);
});
