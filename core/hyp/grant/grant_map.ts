/**
 * GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref, one element each, with Xen 4.17's ARM
 * semantics: a domain's host_addr is a guest-physical address, and a host mapping puts the
 * granter's frame into the mapper's p2m at host_addr's frame (type grant, read-write or
 * read-only, never executable). ARM guests are translated, so device maps, application maps and
 * PTE-based maps are refused. Every outcome is a GNTST_* status; nothing is thrown for a guest's
 * bad arguments.
 */
import {
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_general_error,
  GNTST_no_space,
  GNTST_okay,
} from "../abi/grant_table.ts";
import { P2M_RO, P2M_RW, P2M_TYPE } from "../p2m.ts";
import { GNTPIN_hstr_inc, GNTPIN_hstw_inc } from "./active_grants.ts";
import { domainById, type GrantDomainLookup, type GrantDomainPort } from "./grant_domain.ts";
import { pinGrant, unpinGrant } from "./grant_pin.ts";

/** A decoded gnttab_map_grant_ref element (the inputs). */
export interface MapGrantRefArgs {
  /** Guest-physical address to map at (u64). */
  host_addr: bigint;
  /** GNTMAP_* (u32). */
  flags: number;
  /** The granter's grant ref (u32). */
  ref: number;
  /** The granting domain (domid_t; DOMID_SELF is not accepted here, as in Xen). */
  dom: number;
}

/** The outputs of one map element; handle and dev_bus_addr only with GNTST_okay. */
export interface MapGrantRefResult {
  status: number;
  handle?: number;
  /** Machine address of the granted frame (what Xen reports; Linux on ARM ignores it). */
  dev_bus_addr?: bigint;
}

/** A decoded gnttab_unmap_grant_ref element (the inputs). */
export interface UnmapGrantRefArgs {
  host_addr: bigint;
  dev_bus_addr: bigint;
  handle: number;
}

/** P2m's frame limit (2^40 frames): a host_addr beyond it cannot be mapped. */
const MAX_GFN = 1n << 40n;

/** The gfn of a guest-physical host_addr, or undefined when the p2m cannot hold it. */
function hostGfn(hostAddr: bigint): number | undefined {
  const gfn = BigInt.asUintN(64, hostAddr) >> 12n;
  return gfn < MAX_GFN ? Number(gfn) : undefined;
}

/** One GNTTABOP_map_grant_ref element issued by `mapper`. */
export function mapGrantRef(
  lookup: GrantDomainLookup,
  mapper: GrantDomainPort,
  op: MapGrantRefArgs,
): MapGrantRefResult {
  const flags = op.flags >>> 0;
  const readonly = (flags & GNTMAP_readonly) !== 0;
  // Only host maps are possible (device maps are refused below), so the pin is a host pin.
  if ((flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) return { status: GNTST_bad_gntref };
  if ((flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) !== 0) {
    return { status: GNTST_general_error };
  }
  const granter = domainById(lookup, op.dom);
  if (granter === undefined) return { status: GNTST_bad_domain };
  const lgt = mapper.grants;
  const handle = lgt.maptrack.get();
  if (handle === undefined) return { status: GNTST_no_space };
  const rgt = granter.grants;
  const incr = readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  const pin = pinGrant(rgt, op.ref, mapper.id, incr, readonly, true);
  if (pin.status !== GNTST_okay) {
    lgt.maptrack.put(handle);
    return { status: pin.status };
  }
  // create_grant_host_mapping: exactly host_map (+ readonly), and a gfn the p2m can hold.
  const gfn = hostGfn(op.host_addr);
  if ((flags & ~GNTMAP_readonly) !== GNTMAP_host_map || gfn === undefined) {
    unpinGrant(rgt, op.ref, incr, readonly);
    lgt.maptrack.put(handle);
    return { status: GNTST_general_error };
  }
  mapper.phys.p2m.map(gfn, pin.mfn, 1, readonly ? P2M_RO : P2M_RW, P2M_TYPE.grant);
  lgt.maptrack.set(handle, op.dom, op.ref, flags & 0xffff);
  return { status: GNTST_okay, handle, dev_bus_addr: BigInt(pin.mfn) << 12n };
}

/** Xen's p2m_is_any_ram: the kinds of mapping an unmap may only remove if the frame matches. */
function isAnyRam(type: number): boolean {
  return type === P2M_TYPE.ram || type === P2M_TYPE.xen || type === P2M_TYPE.foreign ||
    type === P2M_TYPE.grant;
}

/**
 * One GNTTABOP_unmap_grant_ref element issued by `mapper`. As in Xen, host_addr 0 removes
 * nothing and keeps the handle (status okay), and a host_addr whose p2m entry is memory other
 * than the granted frame fails with general_error. When the granter recorded in the handle no
 * longer exists Xen crashes the mapper; hvlab reports general_error instead.
 */
export function unmapGrantRef(
  lookup: GrantDomainLookup,
  mapper: GrantDomainPort,
  op: UnmapGrantRefArgs,
): number {
  const lgt = mapper.grants;
  const map = lgt.maptrack.lookup(op.handle);
  if (map === undefined) return GNTST_bad_handle;
  const granter = domainById(lookup, map.domid);
  if (granter === undefined) return GNTST_general_error;
  const rgt = granter.grants;
  const act = rgt.validRef(map.ref) ? rgt.active.get(map.ref) : undefined;
  if (act === undefined) return GNTST_bad_handle;
  const readonly = (map.flags & GNTMAP_readonly) !== 0;
  if (BigInt.asUintN(64, op.host_addr) === 0n || (map.flags & GNTMAP_host_map) === 0) {
    return GNTST_okay;
  }
  // replace_grant_host_mapping with new_addr 0: remove the entry unless it is other memory.
  const gfn = hostGfn(op.host_addr);
  if (gfn === undefined) return GNTST_general_error;
  const m = mapper.phys.p2m.get(gfn);
  if (m !== undefined && isAnyRam(m.type) && m.mfn !== act.mfn) return GNTST_general_error;
  if (m !== undefined) mapper.phys.p2m.unmap(gfn);
  // Device maps are never created on ARM: with the host map gone the handle is free.
  lgt.maptrack.put(op.handle);
  unpinGrant(rgt, map.ref, readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc, readonly);
  return GNTST_okay;
}
