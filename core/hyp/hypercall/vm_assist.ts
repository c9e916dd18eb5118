/**
 * vm_assist (hypercall 21): on ARM the only assist is VMASST_TYPE_runstate_update_flag (Xen then
 * flags a runstate area while updating it; Linux enables it to read other vcpus' steal time).
 */
import { XEN_EINVAL, XEN_ENOSYS } from "../abi/errno.ts";
import {
  __HYPERVISOR_vm_assist,
  VMASST_CMD_disable,
  VMASST_CMD_enable,
  VMASST_TYPE_runstate_update_flag,
} from "../abi/hypercalls.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallDef } from "./table.ts";

/** The vm_assist row. */
export const vmAssistHypercall: HypercallDef = {
  nr: __HYPERVISOR_vm_assist,
  name: "vm_assist",
  doc: "enable or disable a VM assist (ARM: runstate_update_flag)",
  run: (c, a) => {
    // Both arguments are C unsigned ints: the upper halves of x0 and x1 are ignored.
    const cmd = BigInt.asUintN(32, a[0]), type = BigInt.asUintN(32, a[1]);
    if (type !== BigInt(VMASST_TYPE_runstate_update_flag)) {
      throw new XenError(XEN_EINVAL, `vm_assist type ${type} is not available on ARM`);
    }
    if (cmd === BigInt(VMASST_CMD_enable)) c.domain.runstateUpdateFlag = true;
    else if (cmd === BigInt(VMASST_CMD_disable)) c.domain.runstateUpdateFlag = false;
    else throw new XenError(XEN_ENOSYS, `vm_assist command ${cmd}`);
    return 0;
  },
};
