/**
 * Hypercalls through the real dispatcher, part 3: sched_op (shutdown and its reasons,
 * shutdown_code, yield, block, poll with pending ports and timeouts, remote_shutdown).
 */
import assert from "node:assert/strict";
import {
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOSYS,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_sched_op,
  DOMID_SELF,
} from "../../core/hyp/abi/hypercalls.ts";
import * as S from "../../core/hyp/abi/sched.ts";
import {
  evtchn_bind_ipi,
  evtchn_send,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_send,
} from "../../core/hyp/abi/event_channel.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { call, getField, hypLab, putStruct, rc, SCRATCH } from "../../tools/lab/hyp_lab.ts";

const SCHED = __HYPERVISOR_sched_op;
const EVT = __HYPERVISOR_event_channel_op;
const UNMAPPED = 0x10_0000n;

function shutdown(hv: Hypervisor, v: Vcpu, cmd: number, reason: number): number {
  putStruct(v, SCRATCH, S.sched_shutdown, { reason });
  return rc(call(hv, v, SCHED, cmd, SCRATCH));
}

/** A new IPI port of vcpu 0 (bound, not pending). */
function ipiPort(hv: Hypervisor, v: Vcpu): number {
  putStruct(v, SCRATCH + 0x40, evtchn_bind_ipi, { vcpu: 0 });
  assert.equal(rc(call(hv, v, EVT, EVTCHNOP_bind_ipi, SCRATCH + 0x40)), 0);
  return Number(getField(v, SCRATCH + 0x40, evtchn_bind_ipi, "port"));
}

function poll(hv: Hypervisor, v: Vcpu, ports: number[], timeout: bigint | number): number {
  const list = SCRATCH + 0x200;
  const dv = new DataView(new ArrayBuffer(4 * Math.max(1, ports.length)));
  ports.forEach((p, i) => dv.setUint32(4 * i, p, true));
  v.guest.writeStruct(BigInt(list), dv);
  putStruct(v, SCRATCH + 0x100, S.sched_poll, {
    ports: list,
    nr_ports: ports.length,
    timeout,
  });
  return rc(call(hv, v, SCHED, S.SCHEDOP_poll, SCRATCH + 0x100));
}

Deno.test("sched_op shutdown: poweroff, reboot and crash set the domain's state and reason", () => {
  const { hv, doms } = hypLab({ domains: 4, vcpus: 2 });
  const cases: [number, string][] = [
    [S.SHUTDOWN_poweroff, "poweroff"],
    [S.SHUTDOWN_reboot, "reboot"],
    [S.SHUTDOWN_crash, "crash"],
    [S.SHUTDOWN_watchdog, "watchdog"],
  ];
  cases.forEach(([code, reason], i) => {
    const d = doms[i].domain;
    assert.equal(d.state, "running");
    assert.equal(shutdown(hv, d.vcpus[0], S.SCHEDOP_shutdown, code), 0);
    assert.equal(d.state, "shutdown");
    assert.equal(d.shutdownReason, reason);
    assert.ok(d.vcpus.every((v) => v.runstate.state === "offline"));
    assert.ok(hv.logEntries.some((e) => e.domain === d.id && e.msg.includes(reason)));
  });
  // Every domain is down: the machine stops at once.
  assert.equal(hv.run({ maxCycles: 1e6 }).reason, "all-shutdown");
});

Deno.test("sched_op shutdown: bad pointer EFAULT (still running); shutdown_code keeps the first", () => {
  const { hv, doms: [b] } = hypLab();
  const d = b.domain, v = d.vcpus[0];
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_shutdown, UNMAPPED)), -XEN_EFAULT);
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_shutdown, -8n)), -XEN_EFAULT);
  assert.equal(d.state, "running");
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_shutdown_code, UNMAPPED)), -XEN_EFAULT);
  assert.equal(d.shutdownCode, null);
  assert.equal(shutdown(hv, v, S.SCHEDOP_shutdown_code, S.SHUTDOWN_suspend), 0);
  assert.equal(shutdown(hv, v, S.SCHEDOP_shutdown_code, S.SHUTDOWN_crash), 0);
  assert.equal(d.shutdownCode, S.SHUTDOWN_suspend);
  assert.equal(d.state, "running", "shutdown_code alone does not shut down");
});

Deno.test("sched_op yield and block", () => {
  const { hv, doms: [b] } = hypLab();
  const v = b.domain.vcpus[0];
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_yield, 0)), 0);
  assert.equal(v.yielded, true);
  assert.equal(v.runstate.state, "runnable");
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_block, 0)), 0);
  assert.equal(v.runstate.state, "blocked");
  // With an upcall pending, block returns at once.
  const { hv: hv2, doms: [b2] } = hypLab();
  const v2 = b2.domain.vcpus[0];
  const p = ipiPort(hv2, v2);
  putStruct(v2, SCRATCH, evtchn_send, { port: p });
  assert.equal(rc(call(hv2, v2, EVT, EVTCHNOP_send, SCRATCH)), 0);
  assert.equal(rc(call(hv2, v2, SCHED, S.SCHEDOP_block, 0)), 0);
  assert.equal(v2.runstate.state, "runnable");
  // Watchdogs are not implemented (yet): ENOSYS, and logged.
  putStruct(v, SCRATCH, S.sched_watchdog, { id: 0, timeout: 10 });
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_watchdog, SCRATCH)), -XEN_ENOSYS);
  assert.equal(hv.logEntries.at(-1)?.level, "unimplemented");
  assert.equal(rc(call(hv, v, SCHED, 99, SCRATCH)), -XEN_ENOSYS);
});

Deno.test("sched_op poll: a pending port returns at once", () => {
  const { hv, doms: [b] } = hypLab();
  const v = b.domain.vcpus[0];
  const p1 = ipiPort(hv, v), p2 = ipiPort(hv, v);
  putStruct(v, SCRATCH, evtchn_send, { port: p2 });
  assert.equal(rc(call(hv, v, EVT, EVTCHNOP_send, SCRATCH)), 0);
  assert.equal(poll(hv, v, [p1, p2], 0), 0);
  assert.equal(v.runstate.state, "runnable");
  assert.equal(v.pollPorts, null);
});

Deno.test("sched_op poll: blocks on quiet ports until the timeout, then runs again", () => {
  const { hv, doms: [b] } = hypLab();
  const v = b.domain.vcpus[0];
  const p = ipiPort(hv, v);
  assert.equal(poll(hv, v, [p], 1_000_000), 0);
  assert.equal(v.runstate.state, "blocked");
  assert.deepEqual(v.pollPorts, [p]);
  assert.equal(v.pollTimeoutNs, 1_000_000);
  hv.run({ maxCycles: hv.nsToCycles(3_000_000) });
  assert.equal(v.pollPorts, null, "woken by the timeout");
  assert.ok(v.runstate.timeNs[2] >= 900_000, "about 1 ms spent blocked");
  assert.ok((v.exits.get("wfi") ?? 0) >= 1, "ran again after it (to its wfi)");
});

Deno.test("sched_op poll: a timeout already past returns at once; no ports and no timeout blocks", () => {
  // A guest that spins (`b .`), so that time passes.
  const { hv, doms: [b] } = hypLab({
    kernel: new Uint8Array(new Uint32Array([0x14000000]).buffer),
  });
  const v = b.domain.vcpus[0];
  const p = ipiPort(hv, v);
  assert.equal(hv.run({ maxCycles: hv.nsToCycles(2_000_000) }).reason, "limit");
  assert.ok(hv.nowNs() >= 1_000_000);
  assert.equal(poll(hv, v, [p], 1000), 0);
  assert.notEqual(v.runstate.state, "blocked");
  assert.equal(poll(hv, v, [], 0), 0);
  assert.equal(v.runstate.state, "blocked");
  assert.deepEqual(v.pollPorts, []);
});

Deno.test("sched_op poll: errors (bad port EINVAL, too many ports EINVAL, pointers EFAULT)", () => {
  const { hv, doms: [b] } = hypLab();
  const v = b.domain.vcpus[0];
  const p = ipiPort(hv, v);
  assert.equal(poll(hv, v, [p, 100_000], 0), -XEN_EINVAL);
  assert.equal(poll(hv, v, [0xffff_ffff], 0), -XEN_EINVAL);
  assert.equal(poll(hv, v, Array(129).fill(p), 0), -XEN_EINVAL);
  putStruct(v, SCRATCH + 0x100, S.sched_poll, { ports: UNMAPPED, nr_ports: 2, timeout: 0 });
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_poll, SCRATCH + 0x100)), -XEN_EFAULT);
  putStruct(v, SCRATCH + 0x100, S.sched_poll, { ports: -4n, nr_ports: 2, timeout: 0 });
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_poll, SCRATCH + 0x100)), -XEN_EFAULT);
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_poll, UNMAPPED)), -XEN_EFAULT);
  assert.notEqual(v.runstate.state, "blocked");
  // 128 ports is the limit, not past it.
  assert.equal(poll(hv, v, Array(128).fill(p), 0), 0);
  assert.equal(v.runstate.state, "blocked");
});

Deno.test("sched_op remote_shutdown: EPERM for a domU (even of itself), ESRCH for no domain", () => {
  const { hv, doms } = hypLab({ domains: 2 });
  const [a, b] = doms.map((x) => x.domain);
  const v = a.vcpus[0];
  const remote = (domain_id: number) => {
    putStruct(v, SCRATCH, S.sched_remote_shutdown, { domain_id, reason: S.SHUTDOWN_poweroff });
    return rc(call(hv, v, SCHED, S.SCHEDOP_remote_shutdown, SCRATCH));
  };
  assert.equal(remote(b.id), -XEN_EPERM);
  assert.equal(remote(a.id), -XEN_EPERM);
  assert.equal(remote(0x1234), -XEN_ESRCH);
  // Looked up by id only: DOMID_SELF names no domain here.
  assert.equal(remote(DOMID_SELF), -XEN_ESRCH);
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_remote_shutdown, UNMAPPED)), -XEN_EFAULT);
  assert.equal(a.state, "running");
  assert.equal(b.state, "running");
  // pin_override needs privilege too.
  putStruct(v, SCRATCH, S.sched_pin_override, { pcpu: 0 });
  assert.equal(rc(call(hv, v, SCHED, S.SCHEDOP_pin_override, SCRATCH)), -XEN_EPERM);
});
