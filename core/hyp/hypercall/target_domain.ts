/**
 * Resolving the domain a hypercall names: DOMID_SELF or the caller's own id is the caller;
 * another id needs privilege. Xen looks the domain up first (-ESRCH when it does not exist) and
 * then asks its security policy (-EPERM), in that order.
 */
import { XEN_EPERM, XEN_ESRCH } from "../abi/errno.ts";
import { DOMID_SELF } from "../abi/hypercalls.ts";
import type { Domain } from "../domain.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext } from "./table.ts";

/** The domain `domid` names for the caller of `ctx`. */
export function targetDomain(ctx: HypercallContext, domid: number): Domain {
  if (domid === DOMID_SELF || domid === ctx.domain.id) return ctx.domain;
  const d = ctx.hv.domain(domid);
  if (d === undefined) throw new XenError(XEN_ESRCH, `no domain ${domid}`);
  if (!ctx.domain.privileged) {
    throw new XenError(XEN_EPERM, `domain ${ctx.domain.id} may not act on domain ${domid}`);
  }
  return d;
}
