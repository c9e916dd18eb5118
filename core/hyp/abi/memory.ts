/**
 * memory_op (hypercall 12, xen/include/public/memory.h): XENMEM_* sub-ops, the spaces of
 * XENMEM_add_to_physmap and the argument structures. The sub-op is the low 16 bits of the first
 * argument (MEMOP_CMD_MASK); the rest is a continuation start extent. Guest handles and
 * xen_ulong_t/xen_pfn_t are 8 bytes on ARM.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Balloon up: allocate extents into the domain (struct xen_memory_reservation). */
export const XENMEM_increase_reservation = 0;
/** Balloon down: release the listed gfns (struct xen_memory_reservation). */
export const XENMEM_decrease_reservation = 1;
/** Largest machine frame number. */
export const XENMEM_maximum_ram_page = 2;
/** The domain's current number of pages (argument: domid_t). */
export const XENMEM_current_reservation = 3;
/** The domain's maximum number of pages (argument: domid_t). */
export const XENMEM_maximum_reservation = 4;
/** Machine-to-phys mapping frames (x86 PV). */
export const XENMEM_machphys_mfn_list = 5;
/** Populate the listed gfns with fresh memory (struct xen_memory_reservation). */
export const XENMEM_populate_physmap = 6;
/** Map a Xen-owned frame (shared_info, a grant frame) or move a gfn (struct xen_add_to_physmap). */
export const XENMEM_add_to_physmap = 7;
/** The domain's pseudo-physical memory map (E820-style, x86). */
export const XENMEM_memory_map = 9;
/** The host's memory map (privileged). */
export const XENMEM_machine_memory_map = 10;
/** Exchange extents for extents of another order. */
export const XENMEM_exchange = 11;
/** Machine-to-phys mapping location (x86 PV). */
export const XENMEM_machphys_mapping = 12;
/** Set a domain's memory map (privileged). */
export const XENMEM_set_memory_map = 13;
/** Highest gfn in use (argument: domid_t). */
export const XENMEM_maximum_gpfn = 14;
/** Remove a gfn from the physmap (struct xen_remove_from_physmap). */
export const XENMEM_remove_from_physmap = 15;
/** Populate-on-demand target (x86 HVM, privileged). */
export const XENMEM_set_pod_target = 16;
/** Populate-on-demand state (x86 HVM, privileged). */
export const XENMEM_get_pod_target = 17;
/** Memory paging operations. */
export const XENMEM_paging_op = 20;
/** Memory access operations. */
export const XENMEM_access_op = 21;
/** Memory sharing operations. */
export const XENMEM_sharing_op = 22;
/** Batched add_to_physmap (foreign mappings on ARM; struct xen_add_to_physmap_batch). */
export const XENMEM_add_to_physmap_batch = 23;
/** Claim pages for a domain being built (privileged). */
export const XENMEM_claim_pages = 24;
/** Compat machphys list (x86). */
export const XENMEM_machphys_compat_mfn_list = 25;
/** vNUMA topology. */
export const XENMEM_get_vnumainfo = 26;
/** Reserved device memory map (x86). */
export const XENMEM_reserved_device_memory_map = 27;
/** Map a resource (grant table, ioreq server pages) of a domain (struct xen_mem_acquire_resource). */
export const XENMEM_acquire_resource = 28;

/** xen_memory_reservation.mem_flags: populate on demand. */
export const XENMEMF_populate_on_demand = 1 << 16;
/** xen_memory_reservation.mem_flags: the requested node is mandatory. */
export const XENMEMF_exact_node_request = 1 << 17;
/** xen_memory_reservation.mem_flags: the node is a virtual node. */
export const XENMEMF_vnode = 1 << 18;

/** add_to_physmap space: the domain's shared_info page (idx 0). */
export const XENMAPSPACE_shared_info = 0;
/** add_to_physmap space: grant-table frame idx (| XENMAPIDX_grant_table_status for v2 status). */
export const XENMAPSPACE_grant_table = 1;
/** add_to_physmap space: move the gfn idx to gpfn. */
export const XENMAPSPACE_gmfn = 2;
/** add_to_physmap space: move `size` gfns starting at idx. */
export const XENMAPSPACE_gmfn_range = 3;
/** add_to_physmap space: a foreign domain's gfn (batch only). */
export const XENMAPSPACE_gmfn_foreign = 4;
/** add_to_physmap space: device MMIO (privileged). */
export const XENMAPSPACE_dev_mmio = 5;
/** Bit in a grant_table space idx that selects a v2 status frame. */
export const XENMAPIDX_grant_table_status = 0x80000000;

/** acquire_resource type: an ioreq server's pages. */
export const XENMEM_resource_ioreq_server = 0;
/** acquire_resource type: a grant table's frames. */
export const XENMEM_resource_grant_table = 1;
/** acquire_resource type: the vmtrace buffer. */
export const XENMEM_resource_vmtrace_buf = 2;
/** acquire_resource grant_table id: shared frames. */
export const XENMEM_resource_grant_table_id_shared = 0;
/** acquire_resource grant_table id: status frames. */
export const XENMEM_resource_grant_table_id_status = 1;
/** acquire_resource ioreq_server frame: the buffered ioreq page. */
export const XENMEM_resource_ioreq_server_frame_bufioreq = 0;

/** increase/decrease_reservation and populate_physmap argument. */
export const xen_memory_reservation: AbiStruct = {
  name: "xen_memory_reservation",
  size: 32,
  fields: [
    { name: "extent_start", offset: 0, size: 8, handle: true },
    { name: "nr_extents", offset: 8, size: 8 },
    { name: "extent_order", offset: 16, size: 4 },
    { name: "mem_flags", offset: 20, size: 4 },
    { name: "domid", offset: 24, size: 2 },
  ],
};

/** XENMEM_exchange argument. */
export const xen_memory_exchange: AbiStruct = {
  name: "xen_memory_exchange",
  size: 72,
  fields: [
    { name: "in", offset: 0, size: 32 },
    { name: "out", offset: 32, size: 32 },
    { name: "nr_exchanged", offset: 64, size: 8 },
  ],
};

/** XENMEM_add_to_physmap argument. */
export const xen_add_to_physmap: AbiStruct = {
  name: "xen_add_to_physmap",
  size: 24,
  fields: [
    { name: "domid", offset: 0, size: 2 },
    { name: "size", offset: 2, size: 2 },
    { name: "space", offset: 4, size: 4 },
    { name: "idx", offset: 8, size: 8 },
    { name: "gpfn", offset: 16, size: 8 },
  ],
};

/** XENMEM_add_to_physmap_batch argument (errs receives one int per entry). */
export const xen_add_to_physmap_batch: AbiStruct = {
  name: "xen_add_to_physmap_batch",
  size: 32,
  fields: [
    { name: "domid", offset: 0, size: 2 },
    { name: "space", offset: 2, size: 2 },
    { name: "size", offset: 4, size: 2 },
    { name: "u.foreign_domid", offset: 6, size: 2 },
    { name: "idxs", offset: 8, size: 8, handle: true },
    { name: "gpfns", offset: 16, size: 8, handle: true },
    { name: "errs", offset: 24, size: 8, handle: true },
  ],
};

/** XENMEM_remove_from_physmap argument. */
export const xen_remove_from_physmap: AbiStruct = {
  name: "xen_remove_from_physmap",
  size: 16,
  fields: [
    { name: "domid", offset: 0, size: 2 },
    { name: "gpfn", offset: 8, size: 8 },
  ],
};

/** XENMEM_memory_map argument. */
export const xen_memory_map: AbiStruct = {
  name: "xen_memory_map",
  size: 16,
  fields: [
    { name: "nr_entries", offset: 0, size: 4 },
    { name: "buffer", offset: 8, size: 8, handle: true },
  ],
};

/** XENMEM_acquire_resource argument. */
export const xen_mem_acquire_resource: AbiStruct = {
  name: "xen_mem_acquire_resource",
  size: 32,
  fields: [
    { name: "domid", offset: 0, size: 2 },
    { name: "type", offset: 2, size: 2 },
    { name: "id", offset: 4, size: 4 },
    { name: "nr_frames", offset: 8, size: 4 },
    { name: "pad", offset: 12, size: 4 },
    { name: "frame", offset: 16, size: 8 },
    { name: "frame_list", offset: 24, size: 8, handle: true },
  ],
};
