/**
 * event_channel_op (hypercall 32): decodes each EVTCHNOP_* argument structure from the guest,
 * calls the domain's event-channel table (core/hyp/evtchn) and writes the OUT fields back. Every
 * sub-op Linux uses is here; bind_pirq is -ENOSYS as on Xen for ARM.
 */
import { __HYPERVISOR_event_channel_op, DOMID_SELF } from "../abi/hypercalls.ts";
import * as E from "../abi/event_channel.ts";
import { writeEvtchnStatus } from "../evtchn/status.ts";
import type { EventChannels } from "../evtchn/event_channels.ts";
import type { HypercallContext, HypercallDef, SubOpDef } from "./table.ts";
import { targetDomain } from "./target_domain.ts";

/** The caller's own table. */
function ec(c: HypercallContext): EventChannels {
  return c.domain.evtchn;
}

/** The domid a sub-op names, DOMID_SELF resolved to the caller. */
function selfId(c: HypercallContext, domid: number): number {
  return domid === DOMID_SELF ? c.domain.id : domid;
}

/** A sub-op reading `size` bytes at x1, running `f`, writing the structure back when it returns true. */
function op(
  cmd: number,
  name: string,
  s: { size: number },
  f: (c: HypercallContext, dv: DataView) => boolean,
): SubOpDef {
  return {
    cmd,
    name,
    run: (c, a) => {
      const dv = c.guest.readStruct(a[1], s.size);
      if (f(c, dv)) c.guest.writeStruct(a[1], dv);
      return 0;
    },
  };
}

const subops: SubOpDef[] = [
  op(E.EVTCHNOP_alloc_unbound, "alloc_unbound", E.evtchn_alloc_unbound, (c, dv) => {
    const d = targetDomain(c, dv.getUint16(0, true));
    const port = d.evtchn.allocUnbound(d.id, selfId(c, dv.getUint16(2, true)));
    dv.setUint32(4, port, true);
    return true;
  }),
  op(E.EVTCHNOP_bind_interdomain, "bind_interdomain", E.evtchn_bind_interdomain, (c, dv) => {
    const port = ec(c).bindInterdomain(selfId(c, dv.getUint16(0, true)), dv.getUint32(4, true));
    dv.setUint32(8, port, true);
    return true;
  }),
  op(E.EVTCHNOP_bind_virq, "bind_virq", E.evtchn_bind_virq, (c, dv) => {
    dv.setUint32(8, ec(c).bindVirq(dv.getUint32(0, true), dv.getUint32(4, true)), true);
    return true;
  }),
  op(E.EVTCHNOP_bind_ipi, "bind_ipi", E.evtchn_bind_ipi, (c, dv) => {
    dv.setUint32(4, ec(c).bindIpi(dv.getUint32(0, true)), true);
    return true;
  }),
  op(E.EVTCHNOP_bind_vcpu, "bind_vcpu", E.evtchn_bind_vcpu, (c, dv) => {
    ec(c).bindVcpu(dv.getUint32(0, true), dv.getUint32(4, true));
    return false;
  }),
  op(E.EVTCHNOP_close, "close", E.evtchn_close, (c, dv) => {
    ec(c).close(dv.getUint32(0, true));
    return false;
  }),
  op(E.EVTCHNOP_send, "send", E.evtchn_send, (c, dv) => {
    ec(c).send(dv.getUint32(0, true));
    return false;
  }),
  op(E.EVTCHNOP_status, "status", E.evtchn_status, (c, dv) => {
    const d = targetDomain(c, dv.getUint16(0, true));
    writeEvtchnStatus(dv, 0, d.evtchn.status(d.id, dv.getUint32(4, true)));
    return true;
  }),
  op(E.EVTCHNOP_unmask, "unmask", E.evtchn_unmask, (c, dv) => {
    ec(c).unmask(dv.getUint32(0, true));
    return false;
  }),
  op(E.EVTCHNOP_reset, "reset", E.evtchn_reset, (c, dv) => {
    const d = targetDomain(c, dv.getUint16(0, true));
    d.evtchn.reset(d.id);
    return false;
  }),
  op(E.EVTCHNOP_init_control, "init_control", E.evtchn_init_control, (c, dv) => {
    const bits = ec(c).initControl(
      dv.getBigUint64(0, true),
      dv.getUint32(8, true),
      dv.getUint32(12, true),
    );
    dv.setUint8(16, bits);
    return true;
  }),
  op(E.EVTCHNOP_expand_array, "expand_array", E.evtchn_expand_array, (c, dv) => {
    ec(c).expandArray(dv.getBigUint64(0, true));
    return false;
  }),
  op(E.EVTCHNOP_set_priority, "set_priority", E.evtchn_set_priority, (c, dv) => {
    ec(c).setPriority(dv.getUint32(0, true), dv.getUint32(4, true));
    return false;
  }),
];

/** The event_channel_op row. */
export const eventChannelOpHypercall: HypercallDef = {
  nr: __HYPERVISOR_event_channel_op,
  name: "event_channel_op",
  doc: "event channels: allocate, bind, send, mask, FIFO setup",
  subops,
};
