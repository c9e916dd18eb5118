/**
 * REPL view of the device models serving each domain and where they run: inline ones (the
 * domain's PlacedDevice adapters, in the hypervisor or as an EL0 app) and out-of-hypervisor ones
 * (ioreq servers, found by the ranges they map and the domain that emulates them).
 */
import { GUEST_PL011_BASE, GUEST_PL011_SIZE } from "../core/hyp/abi/arm_memory_map.ts";
import { XEN_DMOP_IO_RANGE_MEMORY } from "../core/hyp/abi/dm_op.ts";
import {
  GUEST_FLASH_BANK_SIZE,
  GUEST_FLASH_BASE,
  GUEST_PL031_BASE,
  GUEST_PL031_SIZE,
} from "../core/hyp/builder/domu_fdt.ts";
import type { PlacedDevice } from "../core/hyp/dm/placement.ts";
import type { Domain } from "../core/hyp/domain.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import { type Cell, formatTable, hex } from "./table.ts";

/** The guest windows of the devices a domU can have, by the names placements use. */
export const DEVICE_WINDOWS: readonly { name: string; base: bigint; size: bigint }[] = [
  { name: "vpl011", base: BigInt(GUEST_PL011_BASE), size: BigInt(GUEST_PL011_SIZE) },
  { name: "pl031", base: GUEST_PL031_BASE, size: GUEST_PL031_SIZE },
  { name: "flash0", base: GUEST_FLASH_BASE, size: GUEST_FLASH_BANK_SIZE },
  { name: "flash1", base: GUEST_FLASH_BASE + GUEST_FLASH_BANK_SIZE, size: GUEST_FLASH_BANK_SIZE },
];

/** Where one device of a domain is served from. */
export type DeviceServer =
  | { kind: "inline"; placed: PlacedDevice }
  /** An ioreq server: `emulator` is its domain's id; `stub` when that domain targets this one. */
  | { kind: "ioreq"; server: number; emulator: number; stub: boolean; enabled: boolean }
  /** Configured to be served outside the hypervisor, but no ioreq server maps it yet. */
  | { kind: "unserved"; placement: string };

/** One device model of a domain. */
export interface DeviceRow {
  domain: number;
  device: string;
  /** Guest physical address of its window. */
  base: bigint;
  server: DeviceServer;
}

/** The inline (in-hypervisor or EL0 app) device models of domain `d`, by name. */
export function inlineDevices(hv: Hypervisor, d: Domain): Map<string, PlacedDevice> {
  const b = hv.runtimes.get(d.id)?.backends;
  const out = new Map<string, PlacedDevice>();
  if (b === undefined) return out;
  if (b.vpl011Placed) out.set("vpl011", b.vpl011Placed);
  for (const [name, p] of b.vmDevices) out.set(name, p);
  return out;
}

/**
 * The devices `d` was built to have served outside the hypervisor ("stubdom" or "ioreq"), by
 * name, with that placement: they have no model of their own until an ioreq server maps them.
 */
export function outsidePlacements(d: Domain): Map<string, "stubdom" | "ioreq"> {
  const out = new Map<string, "stubdom" | "ioreq">();
  const c = d.config, rtc = c.vmDevices?.rtc?.placement, flash = c.vmDevices?.flash?.placement;
  const outside = (p: string | undefined) => p === "stubdom" || p === "ioreq";
  if (c.vuart === "sbsa_uart" && outside(c.vuartPlacement)) {
    out.set("vpl011", c.vuartPlacement as "stubdom" | "ioreq");
  }
  if (outside(rtc)) out.set("pl031", rtc as "stubdom" | "ioreq");
  if (outside(flash)) {
    for (const f of ["flash0", "flash1"]) out.set(f, flash as "stubdom" | "ioreq");
  }
  return out;
}

/** Every device model serving domain `d`, inline ones first, then by ioreq server. */
export function deviceRows(hv: Hypervisor, d: Domain): DeviceRow[] {
  const base = (name: string) => DEVICE_WINDOWS.find((w) => w.name === name)?.base ?? -1n;
  const rows: DeviceRow[] = [...inlineDevices(hv, d)].map(([device, placed]) => ({
    domain: d.id,
    device,
    base: base(device),
    server: { kind: "inline", placed },
  }));
  for (const s of d.ioreq.servers) {
    if (s === null) continue;
    const stub = hv.domains.get(s.emulator)?.dmTarget === d.id;
    const server: DeviceServer = {
      kind: "ioreq",
      server: s.id,
      emulator: s.emulator,
      stub,
      enabled: s.enabled,
    };
    // Adjacent windows (the UART's and the RTC's pages) merge into one range of the server.
    for (const [start, end] of s.ranges[XEN_DMOP_IO_RANGE_MEMORY]) {
      const ws = DEVICE_WINDOWS.filter((w) => w.base <= end && start < w.base + w.size);
      if (ws.length === 0) rows.push({ domain: d.id, device: "mmio", base: start, server });
      for (const w of ws) rows.push({ domain: d.id, device: w.name, base: w.base, server });
    }
  }
  for (const [device, placement] of outsidePlacements(d)) {
    if (rows.some((r) => r.device === device)) continue;
    rows.push({
      domain: d.id,
      device,
      base: base(device),
      server: { kind: "unserved", placement },
    });
  }
  return rows;
}

/** The cells of one row: placement, accesses, fault, dead. */
function cells(hv: Hypervisor, s: DeviceServer): Cell[] {
  if (s.kind === "inline") {
    const st = s.placed.state;
    return [st.placement === "el0" ? "EL0 app" : "hypervisor", st.accesses, st.fault, st.dead];
  }
  if (s.kind === "unserved") {
    return [
      `${s.placement}: none yet (${s.placement === "stubdom" ? "spawnStubdom(d)" : "no server"})`,
      null,
      null,
      null,
    ];
  }
  const em = hv.domains.get(s.emulator);
  const where = s.stub ? `stub domain ${s.emulator}` : `ioreq server in domain ${s.emulator}`;
  // An emulator domain's fault is its state: paused is a hang, anything not alive is gone.
  const state = em === undefined ? "destroyed" : em.state;
  return [
    `${where} (server ${s.server}${s.enabled ? "" : ", disabled"})`,
    null,
    state === "running" ? "none" : state === "paused" ? "hang (paused)" : state,
    em === undefined || !em.alive,
  ];
}

/** The device-model table of domain `d`, or of every domain. */
export function formatDevices(hv: Hypervisor, d?: Domain): string {
  const doms = d === undefined ? [...hv.domains.values()] : [d];
  const rows = doms.flatMap((x) => deviceRows(hv, x)).map((r) => [
    r.domain,
    r.device,
    r.base < 0n ? null : hex(r.base, 8),
    ...cells(hv, r.server),
  ]);
  return formatTable(["Dom", "Device", "Address", "Placement", "Accesses", "Fault", "Dead"], rows);
}
