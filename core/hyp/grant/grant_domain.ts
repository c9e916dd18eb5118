/**
 * What the grant-table code needs to know of a domain, and how it finds one by id. The lead's
 * domain object implements `GrantDomainPort`; `GrantDomainLookup` is its domain table. Xen has
 * two lookups and grant_table.c uses both: by id only (map_grant_ref, and unmap for the granter
 * recorded in a handle) and "by any id", which also accepts DOMID_SELF (setup_table,
 * query_size, get_version, copy).
 */
import { DOMID_FIRST_RESERVED, DOMID_SELF } from "../abi/hypercalls.ts";
import type { GuestPhys } from "../guest_phys.ts";
import type { GrantTable } from "./grant_table.ts";

/** A domain as grant operations see it. */
export interface GrantDomainPort {
  /** domid. */
  readonly id: number;
  /**
   * True for the control domain (dom0): Xen's default XSM policy lets it name other domains in
   * setup_table, query_size and get_version.
   */
  readonly privileged: boolean;
  /** Its guest-physical memory (p2m and machine memory). */
  readonly phys: GuestPhys;
  /** Its grant table. */
  readonly grants: GrantTable;
}

/** The hypervisor's domain table: the domain with `domid`, or undefined. */
export type GrantDomainLookup = (domid: number) => GrantDomainPort | undefined;

/** Xen's rcu_lock_domain_by_id: a real domid only (DOMID_SELF and other reserved ids fail). */
export function domainById(
  lookup: GrantDomainLookup,
  domid: number,
): GrantDomainPort | undefined {
  if (!Number.isSafeInteger(domid) || domid < 0 || domid >= DOMID_FIRST_RESERVED) {
    return undefined;
  }
  return lookup(domid);
}

/** Xen's rcu_lock_domain_by_any_id: DOMID_SELF is the caller, otherwise as domainById. */
export function domainByAnyId(
  lookup: GrantDomainLookup,
  caller: GrantDomainPort,
  domid: number,
): GrantDomainPort | undefined {
  return domid === DOMID_SELF ? caller : domainById(lookup, domid);
}

/**
 * Xen's default XSM_TARGET check: a domain may act on itself, the control domain on any. (The
 * device-model "target" relation is not modelled.)
 */
export function mayTarget(caller: GrantDomainPort, target: GrantDomainPort): boolean {
  return caller === target || caller.privileged;
}
