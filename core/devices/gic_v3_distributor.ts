/**
 * GICv3 distributor (GICD) registers as rows, for one security state (GICD_CTLR.DS = 1, as QEMU
 * virt without EL3) with affinity routing always on (ARE = 1): the banked SGI/PPI views of the
 * GICv2 layout are RAZ/WI here (the redistributors own them), ITARGETSR and the SGI registers
 * are RAZ/WI, SPIs are routed by GICD_IROUTER. No LPIs, no message-based SPIs, no extended
 * ranges. Values of TYPER/IIDR/ID registers are those QEMU 7.2 reports, except that 1-of-N
 * routing (IROUTER.IRM) is implemented (TYPER.No1N = 0) and LPIs are not (TYPER.LPIS = 0).
 */
import { mergeLanes, type RegRow } from "./register_rows.ts";
import { type GicV3Model, IROUTER_IRM, isPending, slotOf } from "./gic_v3_irq_state.ts";
import { bitmapRow, configRow, idRows, priorityRow, razWiRow } from "./gic_v3_reg_helpers.ts";

/** Size of the distributor frame. */
export const GICD_SIZE = 0x1_0000;

const CTLR_ARE = 1 << 4, CTLR_DS = 1 << 6;
/** GICD_IIDR and GICR_IIDR: Arm, r0p0, product 0 (QEMU's value, like an r0p0 GIC-500). */
export const GICV3_IIDR = 0x43b;

/** GICD_TYPER: A3V, 16 ID bits, ITLinesNumber for `numIrqs` (max INTID = 32 * (N + 1) - 1). */
export function gicdTyper(numIrqs: number): number {
  return ((1 << 24) | (0xf << 19) | (numIrqs / 32 - 1)) >>> 0;
}

/** The distributor's rows over model `m`. */
export function distributorRows(m: GicV3Model): RegRow[] {
  const n = m.numIrqs;
  // SPIs only: private IDs are RAZ/WI in the distributor once affinity routing is on.
  const spi = (id: number) => (id >= 32 && id < n ? slotOf(m.numCpus, 0, id) : -1);
  const s = () => m.irqs;
  const words = n / 32;
  return [
    {
      name: "GICD_CTLR",
      offset: 0x0000,
      read: () => (CTLR_DS | CTLR_ARE | m.dctlr) >>> 0,
      // Only the group enables are writable; ARE and DS are RAO/WI, RWP reads 0 (no delay).
      write: (_i, v, mask) => m.dctlr = mergeLanes(m.dctlr, v, mask) & 3,
    },
    { name: "GICD_TYPER", offset: 0x0004, read: () => gicdTyper(n) },
    { name: "GICD_IIDR", offset: 0x0008, read: () => GICV3_IIDR },
    // GICv4.1's TYPER2 (reserved, so RAZ, before): no vPE IDs, no vSGIs. Linux reads it.
    { name: "GICD_TYPER2", offset: 0x000c, read: () => 0 },
    razWiRow("GICD_STATUSR", 0x0010),
    bitmapRow("GICD_IGROUPR", 0x0080, words, 0, spi, (k) => s().group[k] === 1, {
      kind: "plain",
      apply: (k, on) => s().group[k] = on ? 1 : 0,
    }),
    bitmapRow("GICD_ISENABLER", 0x0100, words, 0, spi, (k) => s().enabled[k] === 1, {
      kind: "set",
      apply: (k) => s().enabled[k] = 1,
    }),
    bitmapRow("GICD_ICENABLER", 0x0180, words, 0, spi, (k) => s().enabled[k] === 1, {
      kind: "clear",
      apply: (k) => s().enabled[k] = 0,
    }),
    bitmapRow("GICD_ISPENDR", 0x0200, words, 0, spi, (k) => isPending(s(), k), {
      kind: "set",
      apply: (k) => s().latch[k] = 1,
    }),
    bitmapRow("GICD_ICPENDR", 0x0280, words, 0, spi, (k) => isPending(s(), k), {
      kind: "clear",
      apply: (k) => s().latch[k] = 0,
    }),
    bitmapRow("GICD_ISACTIVER", 0x0300, words, 0, spi, (k) => s().active[k] === 1, {
      kind: "set",
      apply: (k) => s().active[k] = 1,
    }),
    bitmapRow("GICD_ICACTIVER", 0x0380, words, 0, spi, (k) => s().active[k] === 1, {
      kind: "clear",
      apply: (k) => s().active[k] = 0,
    }),
    priorityRow("GICD_IPRIORITYR", 0x0400, n / 4, 0, spi, s),
    razWiRow("GICD_ITARGETSR", 0x0800, n / 4, [1, 4]),
    configRow("GICD_ICFGR", 0x0c00, n / 16, 0, spi, () => true, s),
    // Group modifiers and non-secure access controls exist only with two security states.
    razWiRow("GICD_IGRPMODR", 0x0d00, words),
    razWiRow("GICD_NSACR", 0x0e00, n / 16),
    {
      name: "GICD_SGIR",
      offset: 0x0f00,
      // RES0 with affinity routing: SGIs come from ICC_SGI*R_EL1. Worth telling the user.
      write: () => m.log.guestError("gicv3-dist", "GICD_SGIR write with ARE = 1 (ignored)"),
    },
    razWiRow("GICD_CPENDSGIR", 0x0f10, 4, [1, 4]),
    razWiRow("GICD_SPENDSGIR", 0x0f20, 4, [1, 4]),
    {
      name: "GICD_IROUTER",
      offset: 0x6000 + 8 * 32,
      count: 2 * (n - 32),
      sizes: [4, 8],
      read: (i) => {
        const id = 32 + (i >> 1);
        return i & 1 ? s().routeHi[id] : s().routeLo[id];
      },
      // Aff3 in [39:32]; IRM in bit 31 and Aff2.Aff1.Aff0 in [23:0]; the rest is RES0.
      write: (i, v, mask) => {
        const id = 32 + (i >> 1);
        if (i & 1) s().routeHi[id] = mergeLanes(s().routeHi[id], v, mask) & 0xff;
        else {s().routeLo[id] =
            (mergeLanes(s().routeLo[id], v, mask) & (IROUTER_IRM | 0xffffff)) >>> 0;}
      },
    },
    idRows(0x92),
  ];
}
