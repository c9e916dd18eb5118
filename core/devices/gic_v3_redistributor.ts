/**
 * One GICv3 redistributor frame (GICR) as rows: RD_base (control, identification, the WAKER
 * power handshake) and SGI_base at +64 KiB (the PE's SGIs and PPIs). Frames follow each other at
 * a 128 KiB stride, the last one flagged in GICR_TYPER.Last. One security state (DS = 1), no
 * LPIs: GICR_CTLR has no writable bits and PROPBASER/PENDBASER are RES0.
 */
import type { RegRow } from "./register_rows.ts";
import { type GicV3Model, isPending, slotOf } from "./gic_v3_irq_state.ts";
import { GICV3_IIDR } from "./gic_v3_distributor.ts";
import { bitmapRow, configRow, idRows, priorityRow, razWiRow } from "./gic_v3_reg_helpers.ts";

/** Distance between redistributor frames (RD_base + SGI_base, 64 KiB each). */
export const GICR_STRIDE = 0x2_0000;
const SGI_BASE = 0x1_0000;
const WAKER_PROCESSOR_SLEEP = 1 << 1, WAKER_CHILDREN_ASLEEP = 1 << 2;

/** GICR_TYPER of PE `cpu`: affinity in [63:32], Processor_Number, Last, CommonLPIAff as QEMU. */
export function gicrTyper(m: GicV3Model, cpu: number): [number, number] {
  const last = cpu === m.numCpus - 1 ? 1 << 4 : 0;
  return [((1 << 24) | (cpu << 8) | last) >>> 0, m.affinity(cpu) >>> 0];
}

/** The rows of PE `cpu`'s redistributor frame over model `m`. */
export function redistributorRows(m: GicV3Model, cpu: number): RegRow[] {
  const priv = (id: number) => (id < 32 ? slotOf(m.numCpus, cpu, id) : -1);
  const s = () => m.irqs;
  return [
    {
      name: "GICR_CTLR",
      offset: 0x0000,
      read: () => 0,
      write: (_i, v) => {
        // EnableLPIs and the DPG bits are RES0 without LPIs; UWP/RWP are read-only.
        if (v !== 0) m.log.guestError("gicv3-redist", `GICR_CTLR write 0x${v.toString(16)}`);
      },
    },
    { name: "GICR_IIDR", offset: 0x0004, read: () => GICV3_IIDR },
    {
      name: "GICR_TYPER",
      offset: 0x0008,
      count: 2,
      sizes: [4, 8],
      read: (i) => gicrTyper(m, cpu)[i],
    },
    razWiRow("GICR_STATUSR", 0x0010),
    {
      name: "GICR_WAKER",
      offset: 0x0014,
      read: () => m.sleep[cpu] ? WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP : 0,
      // The interface quiesces (or wakes) at once: ChildrenAsleep follows ProcessorSleep.
      write: (_i, v) => m.sleep[cpu] = v & WAKER_PROCESSOR_SLEEP ? 1 : 0,
    },
    razWiRow("GICR_PROPBASER", 0x0070, 2, [4, 8]),
    razWiRow("GICR_PENDBASER", 0x0078, 2, [4, 8]),
    idRows(0x93),
    bitmapRow("GICR_IGROUPR0", SGI_BASE + 0x0080, 1, 0, priv, (k) => s().group[k] === 1, {
      kind: "plain",
      apply: (k, on) => s().group[k] = on ? 1 : 0,
    }),
    bitmapRow("GICR_ISENABLER0", SGI_BASE + 0x0100, 1, 0, priv, (k) => s().enabled[k] === 1, {
      kind: "set",
      apply: (k) => s().enabled[k] = 1,
    }),
    bitmapRow("GICR_ICENABLER0", SGI_BASE + 0x0180, 1, 0, priv, (k) => s().enabled[k] === 1, {
      kind: "clear",
      apply: (k) => s().enabled[k] = 0,
    }),
    bitmapRow("GICR_ISPENDR0", SGI_BASE + 0x0200, 1, 0, priv, (k) => isPending(s(), k), {
      kind: "set",
      apply: (k) => s().latch[k] = 1,
    }),
    bitmapRow("GICR_ICPENDR0", SGI_BASE + 0x0280, 1, 0, priv, (k) => isPending(s(), k), {
      kind: "clear",
      apply: (k) => s().latch[k] = 0,
    }),
    bitmapRow("GICR_ISACTIVER0", SGI_BASE + 0x0300, 1, 0, priv, (k) => s().active[k] === 1, {
      kind: "set",
      apply: (k) => s().active[k] = 1,
    }),
    bitmapRow("GICR_ICACTIVER0", SGI_BASE + 0x0380, 1, 0, priv, (k) => s().active[k] === 1, {
      kind: "clear",
      apply: (k) => s().active[k] = 0,
    }),
    priorityRow("GICR_IPRIORITYR", SGI_BASE + 0x0400, 8, 0, priv, s),
    // ICFGR0 (SGIs) reads as edge-triggered and ignores writes; ICFGR1 configures the PPIs.
    configRow("GICR_ICFGR", SGI_BASE + 0x0c00, 2, 0, priv, (id) => id >= 16, s),
    razWiRow("GICR_IGRPMODR0", SGI_BASE + 0x0d00),
    razWiRow("GICR_NSACR", SGI_BASE + 0x0e00),
  ];
}
