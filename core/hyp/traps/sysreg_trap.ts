/**
 * A trapped system register access or instruction: GICv3 SGI generation goes to the vGIC,
 * set/way cache maintenance (HCR.TSW; no caches to clean here) completes, ACTLR_EL1 (HCR.TACR)
 * reads 0 and ignores writes as Xen's vreg does; anything else is UNDEFINED for the guest,
 * logged as unimplemented.
 */
import { ExcClass } from "../../cpu/exceptions.ts";
import type { Domain } from "../domain.ts";
import { advancePc, injectUndef } from "../guest_exceptions.ts";
import type { Vcpu } from "../vcpu.ts";
import { emulateIccTrap } from "../vgic/icc_trap.ts";
import type { ExitHost } from "./exit_host.ts";

/** Handles the trapped access with syndrome `esr` for `v`. */
export function sysregTrap(h: ExitHost, d: Domain, v: Vcpu, esr: number): void {
  const cpu = v.cpu;
  if (h.hooks.has("sysreg")) h.hooks.emit("sysreg", { domain: d, vcpu: v, esr });
  const icc = h.iccInterface(v);
  if (icc && emulateIccTrap(cpu, icc, esr)) {
    h.emulated(v);
    return;
  }
  if (esr >>> 26 === ExcClass.SYSREG) {
    const op0 = (esr >>> 20) & 3, op2 = (esr >>> 17) & 7, op1 = (esr >>> 14) & 7;
    const crn = (esr >>> 10) & 15, rt = (esr >>> 5) & 31, crm = (esr >>> 1) & 15;
    const read = (esr & 1) === 1;
    const setWay = op0 === 1 && op1 === 0 && crn === 7 && op2 === 2 &&
      (crm === 6 || crm === 10 || crm === 14);
    const actlr = op0 === 3 && op1 === 0 && crn === 1 && crm === 0 && op2 === 1;
    if (setWay || actlr) {
      if (actlr && read && rt !== 31) cpu.setX(rt, 0n);
      advancePc(cpu);
      h.emulated(v);
      return;
    }
  }
  h.services.log(d, "unimplemented", `vcpu ${v.id}: trapped access ESR 0x${esr.toString(16)}`);
  injectUndef(cpu);
  h.fault(d, v, "undef", 0n, esr);
}
