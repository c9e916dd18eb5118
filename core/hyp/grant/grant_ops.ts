/**
 * The grant_table_op sub-ops hvlab implements, with plain arguments and results: the
 * hypercall layer copies the guest's structures in, calls one of these, and writes the results
 * (GNTST_* statuses, frame lists, handles) back. Per-element operations (map, unmap, copy) come
 * one element at a time so the caller can stop at a faulting element as Xen does; the batch forms
 * simply loop. Failures of the hypercall itself (ESRCH, EPERM, EINVAL, ENOSYS) are thrown as
 * XenError or returned as `rc`, as noted per method.
 */
import { XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from "../abi/errno.ts";
import {
  GNTST_bad_domain,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
} from "../abi/grant_table.ts";
import { XenError } from "../xen_error.ts";
import { grantCopy, type GrantCopyArgs } from "./grant_copy.ts";
import {
  domainByAnyId,
  type GrantDomainLookup,
  type GrantDomainPort,
  mayTarget,
} from "./grant_domain.ts";
import {
  mapGrantRef,
  type MapGrantRefArgs,
  type MapGrantRefResult,
  unmapGrantRef,
  type UnmapGrantRefArgs,
} from "./grant_map.ts";
import { GRANT_MAX_VERSION } from "./grant_table.ts";

/** setup_table's outputs: status and, with GNTST_okay, the nr_frames xen_pfn_t to write. */
export interface SetupTableResult {
  status: number;
  /** Each frame's gfn in the domain's space, or INVALID_GFN when the guest has not mapped it. */
  frame_list: bigint[];
}

/** query_size's outputs; the counts only with GNTST_okay (otherwise the guest's values stay). */
export interface QuerySizeResult {
  status: number;
  nr_frames?: number;
  max_nr_frames?: number;
}

/** set_version's outputs: Xen writes the current version back whatever rc is. */
export interface SetVersionResult {
  /** 0 or a negated Xen errno, the hypercall's return value. */
  rc: number;
  version: number;
}

/** Grant-table operations over a domain table. */
export class GrantOps {
  readonly #lookup: GrantDomainLookup;

  constructor(lookup: GrantDomainLookup) {
    this.#lookup = lookup;
  }

  /**
   * GNTTABOP_setup_table (the hypercall layer returns -EINVAL unless count is 1): grows `dom`'s
   * table to `nr_frames` and lists the frames' gfns. bad_domain, permission_denied (another
   * domain, unprivileged caller), general_error (beyond the limit, or no memory).
   */
  setupTable(caller: GrantDomainPort, op: { dom: number; nr_frames: number }): SetupTableResult {
    const d = domainByAnyId(this.#lookup, caller, op.dom);
    if (d === undefined) return { status: GNTST_bad_domain, frame_list: [] };
    if (!mayTarget(caller, d)) return { status: GNTST_permission_denied, frame_list: [] };
    const gt = d.grants;
    const nr = op.nr_frames >>> 0;
    if (nr > gt.maxFrames || (nr > gt.nrFrames && !gt.grow(nr))) {
      return { status: GNTST_general_error, frame_list: [] };
    }
    const frame_list: bigint[] = [];
    for (let i = 0; i < nr; i++) frame_list.push(gt.frameListEntry(i));
    return { status: GNTST_okay, frame_list };
  }

  /** GNTTABOP_query_size (count must be 1): current and maximum frames of `dom`. */
  querySize(caller: GrantDomainPort, op: { dom: number }): QuerySizeResult {
    const d = domainByAnyId(this.#lookup, caller, op.dom);
    if (d === undefined) return { status: GNTST_bad_domain };
    if (!mayTarget(caller, d)) return { status: GNTST_permission_denied };
    return { status: GNTST_okay, nr_frames: d.grants.nrFrames, max_nr_frames: d.grants.maxFrames };
  }

  /**
   * GNTTABOP_get_status_frames (count must be 1). v1 tables have no status frames, so any
   * nr_frames above 0 is general_error; 0 is okay with nothing to write.
   */
  getStatusFrames(caller: GrantDomainPort, op: { dom: number; nr_frames: number }): number {
    const d = domainByAnyId(this.#lookup, caller, op.dom);
    if (d === undefined) return GNTST_bad_domain;
    if (!mayTarget(caller, d)) return GNTST_permission_denied;
    return op.nr_frames >>> 0 > 0 ? GNTST_general_error : GNTST_okay;
  }

  /** One GNTTABOP_map_grant_ref element. */
  mapGrantRef(caller: GrantDomainPort, op: MapGrantRefArgs): MapGrantRefResult {
    return mapGrantRef(this.#lookup, caller, op);
  }

  /** One GNTTABOP_unmap_grant_ref element; its status. */
  unmapGrantRef(caller: GrantDomainPort, op: UnmapGrantRefArgs): number {
    return unmapGrantRef(this.#lookup, caller, op);
  }

  /** One GNTTABOP_copy element; its status. */
  copy(caller: GrantDomainPort, op: GrantCopyArgs): number {
    return grantCopy(this.#lookup, caller, op);
  }

  /** map_grant_ref over an array of elements, in order. */
  mapGrantRefs(caller: GrantDomainPort, ops: readonly MapGrantRefArgs[]): MapGrantRefResult[] {
    return ops.map((op) => this.mapGrantRef(caller, op));
  }

  /** unmap_grant_ref over an array of elements, in order; the statuses. */
  unmapGrantRefs(caller: GrantDomainPort, ops: readonly UnmapGrantRefArgs[]): number[] {
    return ops.map((op) => this.unmapGrantRef(caller, op));
  }

  /** copy over an array of elements, in order; the statuses. */
  copies(caller: GrantDomainPort, ops: readonly GrantCopyArgs[]): number[] {
    return ops.map((op) => this.copy(caller, op));
  }

  /**
   * GNTTABOP_set_version for the caller's table. ARM offers version 1 only: 1 succeeds (it is
   * already in use), 2 is -ENOSYS as in Xen when the domain's max version is 1, anything else
   * -EINVAL. The version written back is 1 in every case.
   */
  setVersion(caller: GrantDomainPort, version: number): SetVersionResult {
    const v = version >>> 0;
    const current = caller.grants.version;
    if (v !== 1 && v !== 2) return { rc: -XEN_EINVAL, version: current };
    if (v > GRANT_MAX_VERSION) return { rc: -XEN_ENOSYS, version: current };
    return { rc: 0, version: current };
  }

  /**
   * GNTTABOP_get_version: the version of `dom`'s table. XenError(ESRCH) for no such domain,
   * XenError(EPERM) for another domain when the caller is not privileged.
   */
  getVersion(caller: GrantDomainPort, op: { dom: number }): number {
    const d = domainByAnyId(this.#lookup, caller, op.dom);
    if (d === undefined) throw new XenError(XEN_ESRCH, `get_version: no domain ${op.dom}`);
    if (!mayTarget(caller, d)) {
      throw new XenError(XEN_EPERM, `get_version: d${caller.id} may not query d${d.id}`);
    }
    return d.grants.version;
  }
}
