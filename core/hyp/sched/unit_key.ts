/**
 * Naming units in plain data and ordering them: ties in every policy are broken by
 * (domid, vcpu), so runs are deterministic whatever order units were created in.
 */

/** What identifies a unit. */
export interface UnitId {
  readonly domid: number;
  readonly vcpu: number;
}

/** "domid.vcpu", the key saved state uses for a unit. */
export function unitKey(u: UnitId): string {
  return `${u.domid}.${u.vcpu}`;
}

/** "d1v0", for messages. */
export function unitName(u: UnitId): string {
  return `d${u.domid}v${u.vcpu}`;
}

/** Orders units by (domid, vcpu). */
export function compareUnits(a: UnitId, b: UnitId): number {
  return a.domid - b.domid || a.vcpu - b.vcpu;
}
