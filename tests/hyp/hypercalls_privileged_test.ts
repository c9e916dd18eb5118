/**
 * Hypercalls through the real dispatcher, part 5: what a privileged domain may do to another
 * (the success side of the EPERM checks the domU tests make).
 */
import assert from "node:assert/strict";
import { XEN_ESRCH } from "../../core/hyp/abi/errno.ts";
import {
  __HYPERVISOR_console_io,
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_hvm_op,
  __HYPERVISOR_memory_op,
  __HYPERVISOR_sched_op,
  __HYPERVISOR_xen_version,
} from "../../core/hyp/abi/hypercalls.ts";
import { CONSOLEIO_write } from "../../core/hyp/abi/console.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import {
  HVM_PARAM_STORE_EVTCHN,
  HVMOP_get_param,
  HVMOP_set_param,
  xen_hvm_param,
} from "../../core/hyp/abi/hvm.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import * as S from "../../core/hyp/abi/sched.ts";
import { XENVER_commandline } from "../../core/hyp/abi/xen_version.ts";
import { P2M_TYPE } from "../../core/hyp/p2m.ts";
import {
  addPrivilegedDomain,
  call,
  getField,
  hypLab,
  putStruct,
  rc,
  SCRATCH0,
} from "../../tools/lab/hyp_lab.ts";

function lab() {
  const { hv, doms } = hypLab({ domains: 2 });
  const v0 = addPrivilegedDomain(hv);
  return { hv, v0, a: doms[0].domain, b: doms[1].domain };
}

Deno.test("privileged: hvm_op reads and sets another domain's parameters", () => {
  const { hv, v0, b } = lab();
  putStruct(v0, SCRATCH0, xen_hvm_param, { domid: b.id, index: HVM_PARAM_STORE_EVTCHN });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_hvm_op, HVMOP_get_param, SCRATCH0)), 0);
  assert.equal(
    getField(v0, SCRATCH0, xen_hvm_param, "value"),
    b.hvmParams.get(HVM_PARAM_STORE_EVTCHN),
  );
  putStruct(v0, SCRATCH0, xen_hvm_param, { domid: b.id, index: 30, value: 99n });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_hvm_op, HVMOP_set_param, SCRATCH0)), 0);
  assert.equal(b.hvmParams.get(30), 99n);
  putStruct(v0, SCRATCH0, xen_hvm_param, { domid: 0x1234, index: 30 });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_hvm_op, HVMOP_get_param, SCRATCH0)), -XEN_ESRCH);
});

Deno.test("privileged: memory_op on another domain (reservation, shared_info mapping)", () => {
  const { hv, v0, b } = lab();
  v0.guest.write(BigInt(SCRATCH0), Uint8Array.of(b.id, 0));
  assert.equal(
    rc(call(hv, v0, __HYPERVISOR_memory_op, M.XENMEM_current_reservation, SCRATCH0)),
    4096,
  );
  putStruct(v0, SCRATCH0, M.xen_add_to_physmap, {
    domid: b.id,
    space: M.XENMAPSPACE_shared_info,
    idx: 0,
    gpfn: 0x3f000,
  });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_memory_op, M.XENMEM_add_to_physmap, SCRATCH0)), 0);
  assert.equal(b.p2m.get(0x3f000)?.mfn, b.sharedInfoMfn);
  assert.equal(b.p2m.get(0x3f000)?.type, P2M_TYPE.xen);
});

Deno.test("privileged: event channel allocated in another domain for a third", () => {
  const { hv, v0, a, b } = lab();
  putStruct(v0, SCRATCH0, E.evtchn_alloc_unbound, { dom: b.id, remote_dom: a.id });
  assert.equal(
    rc(call(hv, v0, __HYPERVISOR_event_channel_op, E.EVTCHNOP_alloc_unbound, SCRATCH0)),
    0,
  );
  const port = Number(getField(v0, SCRATCH0, E.evtchn_alloc_unbound, "port"));
  assert.equal(b.evtchn.channel(port)?.state, "unbound");
  putStruct(v0, SCRATCH0, E.evtchn_status, { dom: b.id, port });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_event_channel_op, E.EVTCHNOP_status, SCRATCH0)), 0);
  assert.equal(getField(v0, SCRATCH0, E.evtchn_status, "status"), E.EVTCHNSTAT_unbound);
  assert.equal(getField(v0, SCRATCH0, E.evtchn_status, "u.unbound.dom"), a.id);
});

Deno.test("privileged: remote_shutdown, console_io, commandline, pin_override", () => {
  const { hv, v0, a, b } = lab();
  putStruct(v0, SCRATCH0, S.sched_remote_shutdown, { domain_id: b.id, reason: S.SHUTDOWN_reboot });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_sched_op, S.SCHEDOP_remote_shutdown, SCRATCH0)), 0);
  assert.equal(b.state, "shutdown");
  assert.equal(b.shutdownReason, "reboot");
  assert.equal(a.state, "running");
  v0.guest.write(BigInt(SCRATCH0), new TextEncoder().encode("(XEN) hi\n"));
  assert.equal(rc(call(hv, v0, __HYPERVISOR_console_io, CONSOLEIO_write, 9, SCRATCH0)), 0);
  assert.equal(hv.console(v0.domainId).text, "(XEN) hi\n");
  assert.equal(rc(call(hv, v0, __HYPERVISOR_xen_version, XENVER_commandline, SCRATCH0)), 0);
  putStruct(v0, SCRATCH0, S.sched_pin_override, { pcpu: -1 });
  assert.equal(rc(call(hv, v0, __HYPERVISOR_sched_op, S.SCHEDOP_pin_override, SCRATCH0)), 0);
});
