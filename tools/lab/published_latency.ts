/**
 * The published Xen on ARM IRQ-latency figures hvlab's latency lab is compared with
 * (../shared/REFERENCE.md): S. Stabellini, "Xen on ARM IRQ latency and scheduler overhead",
 * xen-devel, February 2017. Xilinx ZynqMP (4 x Cortex-A53, GICv2), the tbm test app as a domU
 * with 1 vcpu pinned to pCPU 2, dom0 with 1 vcpu pinned to pCPU 0; timer interrupt to guest
 * handler, in ns. WARM_MAX leaves out the first runs (cold caches).
 */

/** AVG/MIN/MAX/WARM_MAX of one configuration, ns. */
export interface LatencyFigures {
  avg: number;
  min: number;
  max: number;
  warmMax: number;
}

/** One published configuration. */
export interface PublishedLatency {
  scheduler: "credit" | "credit2";
  vwfi: "native" | "trap";
  xenDebug: boolean;
  figures: LatencyFigures;
}

/** The published table, in its order. */
export const PUBLISHED_LATENCY: readonly PublishedLatency[] = [
  {
    scheduler: "credit",
    vwfi: "native",
    xenDebug: false,
    figures: { avg: 1890, min: 1800, max: 3170, warmMax: 2070 },
  },
  {
    scheduler: "credit",
    vwfi: "trap",
    xenDebug: false,
    figures: { avg: 4850, min: 4810, max: 7030, warmMax: 4980 },
  },
  {
    scheduler: "credit2",
    vwfi: "native",
    xenDebug: false,
    figures: { avg: 2217, min: 2090, max: 3420, warmMax: 2650 },
  },
  {
    scheduler: "credit2",
    vwfi: "trap",
    xenDebug: false,
    figures: { avg: 8080, min: 7890, max: 10320, warmMax: 8300 },
  },
  {
    scheduler: "credit",
    vwfi: "native",
    xenDebug: true,
    figures: { avg: 2252, min: 2080, max: 3320, warmMax: 2650 },
  },
  {
    scheduler: "credit",
    vwfi: "trap",
    xenDebug: true,
    figures: { avg: 6500, min: 6140, max: 8520, warmMax: 8130 },
  },
  {
    scheduler: "credit2",
    vwfi: "trap",
    xenDebug: true,
    figures: { avg: 8050, min: 7870, max: 10680, warmMax: 8450 },
  },
];
