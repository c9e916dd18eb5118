/**
 * The GICv3 CPU interface system registers (ICC_*_EL1) as rows that forward to the PE's
 * `gicCpuIf`. Without one (a GICv2 system) every ICC register is UNDEFINED. Access rules follow
 * the Arm ARM: EL1 only (UNDEFINED at EL0), IAR/HPPIR/RPR read-only, EOIR/DIR/SGI write-only.
 * The preemption levels are those of a Cortex-A57 (5 bits), so only AP0R0/AP1R0 exist.
 *
 * Under a hypervisor, HCR_EL2.IMO/FMO make EL1 accesses to these registers reach the virtual
 * interface (ICV_*): the hypervisor plugs the vcpu's virtual CPU interface in as `gicCpuIf`, so
 * they go there without a trap, as on hardware. Only the SGI generation registers trap to EL2
 * (a "sysreg" exit with EC 0x18), which is the architectural behaviour.
 */
import type { SysRegDef } from "./sysreg_types.ts";
import type { IccRegister } from "../gic_cpu_interface.ts";

type Access = "r" | "w" | "rw";

/** ICC_<reg>_EL1 at op0=3 op1=0 `crn` `crm` `op2`; `trap` is its HCR_EL2 routing group. */
function icc(
  reg: IccRegister,
  crn: number,
  crm: number,
  op2: number,
  access: Access,
  trap?: "imofmo",
): SysRegDef {
  return {
    name: `ICC_${reg}_EL1`,
    enc: { op0: 3, op1: 0, crn, crm, op2 },
    ro: access === "r",
    wo: access === "w",
    ...(trap ? { el2Trap: trap } : {}),
    present: (c) => c.gicCpuIf !== null,
    read: (c) => c.gicCpuIf!.read(reg),
    write: (c, v) => c.gicCpuIf!.write(reg, v),
  };
}

/** Every ICC register of the PE, in encoding order. */
export const GIC_CPUIF_REGS: readonly SysRegDef[] = [
  icc("PMR", 4, 6, 0, "rw"),
  icc("IAR0", 12, 8, 0, "r"),
  icc("EOIR0", 12, 8, 1, "w"),
  icc("HPPIR0", 12, 8, 2, "r"),
  icc("BPR0", 12, 8, 3, "rw"),
  icc("AP0R0", 12, 8, 4, "rw"),
  icc("AP1R0", 12, 9, 0, "rw"),
  icc("DIR", 12, 11, 1, "w"),
  icc("RPR", 12, 11, 3, "r"),
  icc("SGI1R", 12, 11, 5, "w", "imofmo"),
  icc("ASGI1R", 12, 11, 6, "w", "imofmo"),
  icc("SGI0R", 12, 11, 7, "w", "imofmo"),
  icc("IAR1", 12, 12, 0, "r"),
  icc("EOIR1", 12, 12, 1, "w"),
  icc("HPPIR1", 12, 12, 2, "r"),
  icc("BPR1", 12, 12, 3, "rw"),
  icc("CTLR", 12, 12, 4, "rw"),
  // SRE: EL2 controls access through ICC_SRE_EL2.Enable, which is always 1 here.
  icc("SRE", 12, 12, 5, "rw"),
  icc("IGRPEN0", 12, 12, 6, "rw"),
  icc("IGRPEN1", 12, 12, 7, "rw"),
];
