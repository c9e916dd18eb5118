/**
 * The run loop's side of an ioreq wait (Xen's _VPF_blocked_in_xen): a vcpu whose MMIO access is
 * with a device model is blocked until the answer, whatever else becomes pending for it — an
 * interrupt may not wake it, and a block() must not be skipped because one is pending. The
 * completion clears the request before it wakes the vcpu, so the wake-up it does passes.
 */
import type { Domain } from "../domain.ts";
import type { Vcpu } from "../vcpu.ts";

/** True while `v` (of domain `d`) waits for an ioreq server's answer. */
export function waitingForIoreq(d: Domain | undefined, v: Vcpu): boolean {
  return d !== undefined && (d.ioreq.pending[v.id] ?? null) !== null;
}
