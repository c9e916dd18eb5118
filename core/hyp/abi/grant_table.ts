/**
 * Grant tables (xen/include/public/grant_table.h): GNTTABOP_* sub-ops of grant_table_op
 * (hypercall 20), the grant entry layouts (v1: 8 bytes; v2: 16-byte union plus a separate
 * status array), the GTF_* flags a granting domain writes into an entry, GNTMAP_* mapping
 * flags, GNTST_* per-operation status codes and the op structures.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Grant refs reserved for the toolstack (0..7). */
export const GNTTAB_NR_RESERVED_ENTRIES = 8;
/** Reserved ref granting the console ring page to the backend. */
export const GNTTAB_RESERVED_CONSOLE = 0;
/** Reserved ref granting the xenstore ring page to xenstored. */
export const GNTTAB_RESERVED_XENSTORE = 1;
/** Entry type: no grant. */
export const GTF_invalid = 0;
/** Entry type: domid may map or copy frame. */
export const GTF_permit_access = 1;
/** Entry type: domid may transfer a frame into this entry. */
export const GTF_accept_transfer = 2;
/** Entry type (v2): transitive grant of another domain's ref. */
export const GTF_transitive = 3;
/** Mask of the entry type. */
export const GTF_type_mask = 3;
/** Bit number of GTF_readonly. */
export const _GTF_readonly = 2;
/** The grantee may only map or copy read-only. */
export const GTF_readonly = 4;
/** Bit number of GTF_reading. */
export const _GTF_reading = 3;
/** Set by Xen while the frame is mapped or copied for reading. */
export const GTF_reading = 8;
/** Bit number of GTF_writing. */
export const _GTF_writing = 4;
/** Set by Xen while the frame is mapped or copied for writing. */
export const GTF_writing = 16;
/** Bit number of GTF_PWT. */
export const _GTF_PWT = 5;
/** Cache attribute: write-through (x86). */
export const GTF_PWT = 32;
/** Bit number of GTF_PCD. */
export const _GTF_PCD = 6;
/** Cache attribute: cache disable (x86). */
export const GTF_PCD = 64;
/** Bit number of GTF_PAT. */
export const _GTF_PAT = 7;
/** Cache attribute: PAT (x86). */
export const GTF_PAT = 128;
/** Bit number of GTF_sub_page. */
export const _GTF_sub_page = 8;
/** v2: the grant covers only part of the page. */
export const GTF_sub_page = 256;
/** Bit number of GTF_transfer_committed. */
export const _GTF_transfer_committed = 2;
/** Transfer: Xen has committed to the transfer. */
export const GTF_transfer_committed = 4;
/** Bit number of GTF_transfer_completed. */
export const _GTF_transfer_completed = 3;
/** Transfer: the frame field is valid. */
export const GTF_transfer_completed = 8;
/** Map granted frames (struct gnttab_map_grant_ref[]). */
export const GNTTABOP_map_grant_ref = 0;
/** Unmap grant mappings (struct gnttab_unmap_grant_ref[]). */
export const GNTTABOP_unmap_grant_ref = 1;
/** Get the frames of the grant table (struct gnttab_setup_table). */
export const GNTTABOP_setup_table = 2;
/** Dump the table to Xen's console (struct gnttab_dump_table). */
export const GNTTABOP_dump_table = 3;
/** Transfer page ownership (struct gnttab_transfer[]; x86 PV). */
export const GNTTABOP_transfer = 4;
/** Copy between granted or local frames (struct gnttab_copy[]). */
export const GNTTABOP_copy = 5;
/** Current and maximum frame counts (struct gnttab_query_size). */
export const GNTTABOP_query_size = 6;
/** Unmap and replace with another mapping (x86 PV). */
export const GNTTABOP_unmap_and_replace = 7;
/** Select the grant entry format v1 or v2 (struct gnttab_set_version). */
export const GNTTABOP_set_version = 8;
/** v2 status frames (struct gnttab_get_status_frames). */
export const GNTTABOP_get_status_frames = 9;
/** Current grant entry version (struct gnttab_get_version). */
export const GNTTABOP_get_version = 10;
/** Swap two entries (struct gnttab_swap_grant_ref[]). */
export const GNTTABOP_swap_grant_ref = 11;
/** Clean/invalidate a granted range (struct gnttab_cache_flush[]). */
export const GNTTABOP_cache_flush = 12;
/** Bit number of GNTCOPY_source_gref. */
export const _GNTCOPY_source_gref = 0;
/** gnttab_copy.flags: source.u is a grant ref (else a local gmfn). */
export const GNTCOPY_source_gref = 1;
/** Bit number of GNTCOPY_dest_gref. */
export const _GNTCOPY_dest_gref = 1;
/** gnttab_copy.flags: dest.u is a grant ref (else a local gmfn). */
export const GNTCOPY_dest_gref = 2;
/** cache_flush op: clean. */
export const GNTTAB_CACHE_CLEAN = 1;
/** cache_flush op: invalidate. */
export const GNTTAB_CACHE_INVAL = 2;
/** cache_flush op: a is a grant ref. */
export const GNTTAB_CACHE_SOURCE_GREF = 0x80000000;
/** Bit number of GNTMAP_device_map. */
export const _GNTMAP_device_map = 0;
/** Map for device (DMA) access; dev_bus_addr is returned. */
export const GNTMAP_device_map = 1;
/** Bit number of GNTMAP_host_map. */
export const _GNTMAP_host_map = 1;
/** Map at host_addr (a guest-physical address on ARM). */
export const GNTMAP_host_map = 2;
/** Bit number of GNTMAP_readonly. */
export const _GNTMAP_readonly = 2;
/** Map read-only. */
export const GNTMAP_readonly = 4;
/** Bit number of GNTMAP_application_map. */
export const _GNTMAP_application_map = 3;
/** Mapping is for user space (x86 PV). */
export const GNTMAP_application_map = 8;
/** Bit number of GNTMAP_contains_pte. */
export const _GNTMAP_contains_pte = 4;
/** host_addr is a PTE address (x86 PV). */
export const GNTMAP_contains_pte = 16;
/** First of the guest-available PTE bits. */
export const _GNTMAP_guest_avail0 = 16;
/** Guest-available bits of the map flags. */
export const GNTMAP_guest_avail_mask = 0xffff0000;
/** Status: success. */
export const GNTST_okay = 0;
/** Status: undefined error. */
export const GNTST_general_error = -1;
/** Status: unrecognised domain id. */
export const GNTST_bad_domain = -2;
/** Status: invalid grant reference. */
export const GNTST_bad_gntref = -3;
/** Status: invalid mapping handle. */
export const GNTST_bad_handle = -4;
/** Status: invalid virtual address. */
export const GNTST_bad_virt_addr = -5;
/** Status: invalid device address. */
export const GNTST_bad_dev_addr = -6;
/** Status: no spare translation slot in the I/O MMU. */
export const GNTST_no_device_space = -7;
/** Status: permission denied. */
export const GNTST_permission_denied = -8;
/** Status: bad page. */
export const GNTST_bad_page = -9;
/** Status: copy arguments cross a page boundary. */
export const GNTST_bad_copy_arg = -10;
/** Status: page address size too large. */
export const GNTST_address_too_big = -11;
/** Status: operation not done; try again. */
export const GNTST_eagain = -12;
/** Status: out of space. */
export const GNTST_no_space = -13;

/** A v1 grant entry: flags (GTF_*), the grantee, the granted gfn. */
export const grant_entry_v1: AbiStruct = {
  name: "grant_entry_v1",
  size: 8,
  fields: [
    { name: "flags", offset: 0, size: 2 },
    { name: "domid", offset: 2, size: 2 },
    { name: "frame", offset: 4, size: 4 },
  ],
};

/** The common header of v2 entries. */
export const grant_entry_header: AbiStruct = {
  name: "grant_entry_header",
  size: 4,
  fields: [
    { name: "flags", offset: 0, size: 2 },
    { name: "domid", offset: 2, size: 2 },
  ],
};

/** A v2 grant entry (union by GTF type and GTF_sub_page). */
export const grant_entry_v2: AbiStruct = {
  name: "grant_entry_v2",
  kind: "union",
  size: 16,
  fields: [
    { name: "hdr.flags", offset: 0, size: 2 },
    { name: "hdr.domid", offset: 2, size: 2 },
    { name: "full_page.frame", offset: 8, size: 8 },
    { name: "sub_page.page_off", offset: 4, size: 2 },
    { name: "sub_page.length", offset: 6, size: 2 },
    { name: "sub_page.frame", offset: 8, size: 8 },
    { name: "transitive.trans_domid", offset: 4, size: 2 },
    { name: "transitive.gref", offset: 8, size: 4 },
  ],
};

/** GNTTABOP_map_grant_ref element (status, handle, dev_bus_addr are outputs). */
export const gnttab_map_grant_ref: AbiStruct = {
  name: "gnttab_map_grant_ref",
  size: 32,
  fields: [
    { name: "host_addr", offset: 0, size: 8 },
    { name: "flags", offset: 8, size: 4 },
    { name: "ref", offset: 12, size: 4 },
    { name: "dom", offset: 16, size: 2 },
    { name: "status", offset: 18, size: 2, signed: true },
    { name: "handle", offset: 20, size: 4 },
    { name: "dev_bus_addr", offset: 24, size: 8 },
  ],
};

/** GNTTABOP_unmap_grant_ref element. */
export const gnttab_unmap_grant_ref: AbiStruct = {
  name: "gnttab_unmap_grant_ref",
  size: 24,
  fields: [
    { name: "host_addr", offset: 0, size: 8 },
    { name: "dev_bus_addr", offset: 8, size: 8 },
    { name: "handle", offset: 16, size: 4 },
    { name: "status", offset: 20, size: 2, signed: true },
  ],
};

/** GNTTABOP_setup_table argument (frame_list: guest array of xen_pfn_t). */
export const gnttab_setup_table: AbiStruct = {
  name: "gnttab_setup_table",
  size: 24,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "nr_frames", offset: 4, size: 4 },
    { name: "status", offset: 8, size: 2, signed: true },
    { name: "frame_list", offset: 16, size: 8, handle: true },
  ],
};

/** GNTTABOP_dump_table argument. */
export const gnttab_dump_table: AbiStruct = {
  name: "gnttab_dump_table",
  size: 4,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "status", offset: 2, size: 2, signed: true },
  ],
};

/** GNTTABOP_transfer element. */
export const gnttab_transfer: AbiStruct = {
  name: "gnttab_transfer",
  size: 24,
  fields: [
    { name: "mfn", offset: 0, size: 8 },
    { name: "domid", offset: 8, size: 2 },
    { name: "ref", offset: 12, size: 4 },
    { name: "status", offset: 16, size: 2, signed: true },
  ],
};

/** GNTTABOP_copy element. */
export const gnttab_copy: AbiStruct = {
  name: "gnttab_copy",
  size: 40,
  fields: [
    { name: "source.u.ref", offset: 0, size: 4 },
    { name: "source.u.gmfn", offset: 0, size: 8 },
    { name: "source.domid", offset: 8, size: 2 },
    { name: "source.offset", offset: 10, size: 2 },
    { name: "dest.u.ref", offset: 16, size: 4 },
    { name: "dest.u.gmfn", offset: 16, size: 8 },
    { name: "dest.domid", offset: 24, size: 2 },
    { name: "dest.offset", offset: 26, size: 2 },
    { name: "len", offset: 32, size: 2 },
    { name: "flags", offset: 34, size: 2 },
    { name: "status", offset: 36, size: 2, signed: true },
  ],
};

/** GNTTABOP_query_size argument. */
export const gnttab_query_size: AbiStruct = {
  name: "gnttab_query_size",
  size: 16,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "nr_frames", offset: 4, size: 4 },
    { name: "max_nr_frames", offset: 8, size: 4 },
    { name: "status", offset: 12, size: 2, signed: true },
  ],
};

/** GNTTABOP_unmap_and_replace element. */
export const gnttab_unmap_and_replace: AbiStruct = {
  name: "gnttab_unmap_and_replace",
  size: 24,
  fields: [
    { name: "host_addr", offset: 0, size: 8 },
    { name: "new_addr", offset: 8, size: 8 },
    { name: "handle", offset: 16, size: 4 },
    { name: "status", offset: 20, size: 2, signed: true },
  ],
};

/** GNTTABOP_set_version argument (version in, current version out). */
export const gnttab_set_version: AbiStruct = {
  name: "gnttab_set_version",
  size: 4,
  fields: [
    { name: "version", offset: 0, size: 4 },
  ],
};

/** GNTTABOP_get_status_frames argument. */
export const gnttab_get_status_frames: AbiStruct = {
  name: "gnttab_get_status_frames",
  size: 16,
  fields: [
    { name: "nr_frames", offset: 0, size: 4 },
    { name: "dom", offset: 4, size: 2 },
    { name: "status", offset: 6, size: 2, signed: true },
    { name: "frame_list", offset: 8, size: 8, handle: true },
  ],
};

/** GNTTABOP_get_version argument. */
export const gnttab_get_version: AbiStruct = {
  name: "gnttab_get_version",
  size: 8,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "pad", offset: 2, size: 2 },
    { name: "version", offset: 4, size: 4 },
  ],
};

/** GNTTABOP_swap_grant_ref element. */
export const gnttab_swap_grant_ref: AbiStruct = {
  name: "gnttab_swap_grant_ref",
  size: 12,
  fields: [
    { name: "ref_a", offset: 0, size: 4 },
    { name: "ref_b", offset: 4, size: 4 },
    { name: "status", offset: 8, size: 2, signed: true },
  ],
};

/** GNTTABOP_cache_flush element. */
export const gnttab_cache_flush: AbiStruct = {
  name: "gnttab_cache_flush",
  size: 16,
  fields: [
    { name: "a.dev_bus_addr", offset: 0, size: 8 },
    { name: "a.ref", offset: 0, size: 4 },
    { name: "offset", offset: 8, size: 2 },
    { name: "length", offset: 10, size: 2 },
    { name: "op", offset: 12, size: 4 },
  ],
};
