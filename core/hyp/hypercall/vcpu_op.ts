/**
 * vcpu_op (hypercall 24) on ARM: Xen accepts only VCPUOP_register_vcpu_info and
 * VCPUOP_register_runstate_memory_area from ARM guests and answers every other command with
 * -EINVAL (vcpus come up and go down through PSCI instead).
 */
import { __HYPERVISOR_vcpu_op } from "../abi/hypercalls.ts";
import { XEN_EINVAL, XEN_ENOENT } from "../abi/errno.ts";
import * as Vc from "../abi/vcpu.ts";
import { vcpu_info } from "../abi/shared_info.ts";
import { P2M_TYPE } from "../p2m.ts";
import type { Vcpu } from "../vcpu.ts";
import { hex, XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";

/** How vcpu_op reaches the event-channel layer (marking a vcpu's events pending). */
export interface VcpuOpHost {
  /** The vcpu_info of `v` moved: everything is marked pending and the upcall raised. */
  vcpuInfoMoved(v: Vcpu): void;
  /** Writes `v`'s runstate to its registered area (ignored when it does not translate). */
  updateRunstateArea(v: Vcpu): void;
}

/** The vcpu x1 names (a C unsigned int: the upper half of x1 is ignored, as on Xen). */
function target(c: HypercallContext, x1: bigint): Vcpu {
  const id = Number(BigInt.asUintN(32, x1));
  const v = c.domain.vcpus[id];
  if (v === undefined) throw new XenError(XEN_ENOENT, `domain ${c.domain.id} has no vcpu ${id}`);
  return v;
}

/** Builds the vcpu_op row. */
export function vcpuOpHypercall(host: VcpuOpHost): HypercallDef {
  return {
    nr: __HYPERVISOR_vcpu_op,
    name: "vcpu_op",
    doc: "register a vcpu's vcpu_info and runstate area",
    // Every other command (up, down, is_up, timers...) is refused on ARM before the vcpu id
    // is even looked at.
    unknownErrno: XEN_EINVAL,
    subops: [
      {
        cmd: Vc.VCPUOP_register_vcpu_info,
        name: "register_vcpu_info",
        run: (c, a) => {
          const v = target(c, a[1]);
          const dv = c.guest.readStruct(a[2], Vc.vcpu_register_vcpu_info.size);
          const gfn = dv.getBigUint64(0, true), offset = dv.getUint32(8, true);
          if (offset > 4096 - vcpu_info.size) {
            throw new XenError(XEN_EINVAL, `vcpu_info offset ${offset} crosses the page`);
          }
          if (v.vcpuInfo !== null) {
            throw new XenError(XEN_EINVAL, `vcpu ${v.id} already registered its vcpu_info`);
          }
          // Xen moves only the caller's own vcpu_info or that of a vcpu that is down.
          if (v !== c.vcpu && v.online) {
            throw new XenError(XEN_EINVAL, `vcpu ${v.id} is up: it must register for itself`);
          }
          const m = gfn < 2n ** 40n ? c.domain.p2m.get(Number(gfn)) : undefined;
          if (m === undefined || m.type !== P2M_TYPE.ram) {
            throw new XenError(XEN_EINVAL, `vcpu_info frame ${hex(gfn)} is not RAM`);
          }
          // The old contents move with it (vcpu 0's legacy slot in shared_info).
          const page = c.domain.phys.page(Number(gfn), true);
          const old = v.id === 0
            ? new Uint8Array(c.domain.sharedInfo().buffer, 0, vcpu_info.size).slice()
            : new Uint8Array(vcpu_info.size);
          new Uint8Array(page.buffer, offset, vcpu_info.size).set(old);
          v.vcpuInfo = { gfn: Number(gfn), offset };
          host.vcpuInfoMoved(v);
          return 0;
        },
      },
      {
        cmd: Vc.VCPUOP_register_runstate_memory_area,
        name: "register_runstate_memory_area",
        run: (c, a) => {
          const v = target(c, a[1]);
          const dv = c.guest.readStruct(a[2], Vc.vcpu_register_runstate_memory_area.size);
          v.runstateArea = dv.getBigUint64(0, true);
          if (v === c.vcpu) host.updateRunstateArea(v);
          return 0;
        },
      },
    ],
  };
}
