/**
 * Who may act on a domain as its device model (Xen's XSM_DM_PRIV check in the dummy policy): the
 * control domain may act on any domain; a stub domain only on the one domain it serves
 * (`dmTarget`, Xen's d->target). dm_op and XENMEM_acquire_resource ask this one function.
 */
import type { Domain } from "../domain.ts";

/** True when `caller` may drive `target`'s device model operations. */
export function mayControl(caller: Domain, target: Domain): boolean {
  return caller.privileged || caller.dmTarget === target.id;
}
