/**
 * ICC_*_EL1 accesses that reach the hypervisor as system-register traps (EC 0x18). With
 * HCR_EL2.IMO/FMO set the architecture sends EL1's ICC accesses to the virtual interface (ICV_*)
 * and only SGI generation traps; hvlab's PE traps them all, so EL2 completes each one on the
 * vcpu's virtual CPU interface (`GicV3VirtCpuIf`, whose SGI writes go to the vGIC).
 */
import type { Cpu } from "../../cpu/cpu.ts";
import type { GicCpuInterface, IccRegister } from "../../cpu/gic_cpu_interface.ts";
import { GIC_CPUIF_REGS } from "../../cpu/sysreg/gic_cpuif_regs.ts";
import { advancePc } from "../guest_exceptions.ts";

/** Encoding key op0.op1.crn.crm.op2 -> ICC register name. */
const BY_ENCODING = new Map<number, IccRegister>(
  GIC_CPUIF_REGS.map((r) => {
    const e = r.enc;
    const name = r.name.replace(/^ICC_/, "").replace(/_EL1$/, "") as IccRegister;
    return [key(e.op0, e.op1, e.crn, e.crm, e.op2), name];
  }),
);

function key(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (((op0 * 8 + op1) * 16 + crn) * 16 + crm) * 8 + op2;
}

/** The ICC register, direction and Xt of a trapped MRS/MSR syndrome, or null if not an ICC one. */
export function decodeIccTrap(
  esr: number,
): { reg: IccRegister; read: boolean; rt: number } | null {
  if (esr >>> 26 !== 0x18) return null;
  const op0 = (esr >>> 20) & 3, op2 = (esr >>> 17) & 7, op1 = (esr >>> 14) & 7;
  const crn = (esr >>> 10) & 15, rt = (esr >>> 5) & 31, crm = (esr >>> 1) & 15;
  const reg = BY_ENCODING.get(key(op0, op1, crn, crm, op2));
  return reg === undefined ? null : { reg, read: (esr & 1) === 1, rt };
}

/**
 * Completes a trapped ICC access of `cpu` on `cif` (reads land in Xt, XZR discards) and steps
 * past the instruction. False, with nothing done, when `esr` is not an ICC access.
 */
export function emulateIccTrap(cpu: Cpu, cif: GicCpuInterface, esr: number): boolean {
  const t = decodeIccTrap(esr);
  if (t === null) return false;
  if (t.read) {
    const v = cif.read(t.reg);
    if (t.rt !== 31) cpu.setX(t.rt, v);
  } else cif.write(t.reg, t.rt === 31 ? 0n : cpu.getX(t.rt));
  advancePc(cpu);
  return true;
}
