/**
 * hvm_op (hypercall 34) on ARM: only HVMOP_set_param and HVMOP_get_param exist (Xen's
 * arch/arm/hvm.c); everything else is -ENOSYS. Parameters are per domain; the builder sets the
 * console and xenstore ones, the guest reads them.
 */
import { __HYPERVISOR_hvm_op } from "../abi/hypercalls.ts";
import { XEN_EINVAL } from "../abi/errno.ts";
import { HVM_NR_PARAMS, HVMOP_get_param, HVMOP_set_param, xen_hvm_param } from "../abi/hvm.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";
import { targetDomain } from "./target_domain.ts";

function param(c: HypercallContext, va: bigint) {
  const dv = c.guest.readStruct(va, xen_hvm_param.size);
  const index = dv.getUint32(4, true);
  if (index >= HVM_NR_PARAMS) throw new XenError(XEN_EINVAL, `HVM param ${index}`);
  const d = targetDomain(c, dv.getUint16(0, true));
  return { dv, index, d };
}

/** The hvm_op row. */
export const hvmOpHypercall: HypercallDef = {
  nr: __HYPERVISOR_hvm_op,
  name: "hvm_op",
  doc: "HVM parameters (console and xenstore pages and ports, callback IRQ)",
  subops: [
    {
      cmd: HVMOP_set_param,
      name: "set_param",
      run: (c, a) => {
        const { dv, index, d } = param(c, a[1]);
        d.hvmParams.set(index, dv.getBigUint64(8, true));
        return 0;
      },
    },
    {
      cmd: HVMOP_get_param,
      name: "get_param",
      run: (c, a) => {
        const { dv, index, d } = param(c, a[1]);
        dv.setBigUint64(8, d.hvmParams.get(index) ?? 0n, true);
        c.guest.writeStruct(a[1], dv);
        return 0;
      },
    },
  ],
};
