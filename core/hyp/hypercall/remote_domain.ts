/**
 * The target of a device-model call (dm_op, XENMEM_acquire_resource): Xen's
 * rcu_lock_remote_domain_by_id (-ESRCH for no such domain, DOMID_SELF included; -EPERM for the
 * caller itself) followed by the XSM_DM_PRIV check (-EPERM unless the caller may control it).
 */
import { XEN_EPERM, XEN_ESRCH } from "../abi/errno.ts";
import type { Domain } from "../domain.ts";
import { mayControl } from "../ioreq/may_control.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext } from "./table.ts";

/** Domain `domid` as the caller of `ctx` may drive it as its device model. */
export function remoteDomain(ctx: HypercallContext, domid: number): Domain {
  const d = ctx.hv.domain(domid);
  if (d === undefined) throw new XenError(XEN_ESRCH, `no domain ${domid}`);
  if (d === ctx.domain) throw new XenError(XEN_EPERM, `domain ${domid} is the caller itself`);
  if (!mayControl(ctx.domain, d)) {
    throw new XenError(XEN_EPERM, `domain ${ctx.domain.id} may not control domain ${domid}`);
  }
  return d;
}
