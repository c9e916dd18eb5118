/**
 * xen_version (hypercall 17, xen/include/public/version.h, features.h): XENVER_* sub-ops, the
 * sizes of the string results, and the XENFEAT_* bits reported by XENVER_get_features.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Returns (major << 16) | minor. */
export const XENVER_version = 0;
/** Copies the extra version string (e.g. ".7") into a 16-byte buffer. */
export const XENVER_extraversion = 1;
/** Fills struct xen_compile_info. */
export const XENVER_compile_info = 2;
/** Copies the capabilities string ("xen-3.0-aarch64 ...") into a 1024-byte buffer. */
export const XENVER_capabilities = 3;
/** Copies the changeset string into a 64-byte buffer. */
export const XENVER_changeset = 4;
/** Fills struct xen_platform_parameters. */
export const XENVER_platform_parameters = 5;
/** Fills struct xen_feature_info for one 32-bit submap. */
export const XENVER_get_features = 6;
/** Returns the page size. */
export const XENVER_pagesize = 7;
/** Copies the guest handle (domain UUID, 16 bytes). */
export const XENVER_guest_handle = 8;
/** Copies Xen's command line (1024 bytes; privileged). */
export const XENVER_commandline = 9;
/** Copies the build id (struct xen_build_id; privileged). */
export const XENVER_build_id = 10;

/** Size of the XENVER_extraversion buffer. */
export const XEN_EXTRAVERSION_LEN = 16;
/** Size of the XENVER_capabilities buffer. */
export const XEN_CAPABILITIES_INFO_LEN = 1024;
/** Size of the XENVER_changeset buffer. */
export const XEN_CHANGESET_INFO_LEN = 64;

/** Feature bit: guest page tables may be written directly (PV x86). */
export const XENFEAT_writable_page_tables = 0;
/** Feature bit: descriptor tables may be written directly (PV x86). */
export const XENFEAT_writable_descriptor_tables = 1;
/** Feature bit: the guest sees pseudo-physical addresses translated by Xen (always on ARM). */
export const XENFEAT_auto_translated_physmap = 2;
/** Feature bit: the guest kernel runs in ring 0 (x86). */
export const XENFEAT_supervisor_mode_kernel = 3;
/** Feature bit: PAE page directories may be above 4 GiB (x86). */
export const XENFEAT_pae_pgdir_above_4gb = 4;
/** Feature bit: mmu_update preserves accessed/dirty bits (x86). */
export const XENFEAT_mmu_pt_update_preserve_ad = 5;
/** Feature bit: highmem assist (x86). */
export const XENFEAT_highmem_assist = 6;
/** Feature bit: grant mappings honour the available PTE bits (x86). */
export const XENFEAT_gnttab_map_avail_bits = 7;
/** Feature bit: HVM callback vector (x86). */
export const XENFEAT_hvm_callback_vector = 8;
/** Feature bit: HVM guests may use the PV clock safely (x86). */
export const XENFEAT_hvm_safe_pvclock = 9;
/** Feature bit: HVM PIRQs (x86). */
export const XENFEAT_hvm_pirqs = 10;
/** Feature bit: the domain is the control/hardware domain. */
export const XENFEAT_dom0 = 11;
/** Feature bit: memory_op supports vNUMA topology. */
export const XENFEAT_memory_op_vnode_supported = 13;
/** Feature bit: Xen implements SMCCC 1.1 calls from the guest (ARM). */
export const XENFEAT_ARM_SMCCC_supported = 14;
/** Feature bit: the RSDP location is unrestricted (x86). */
export const XENFEAT_linux_rsdp_unrestricted = 15;
/** Feature bit: the domain's memory is not direct-mapped (gfn != mfn). */
export const XENFEAT_not_direct_mapped = 16;
/** Feature bit: the domain's memory is direct-mapped (gfn == mfn). */
export const XENFEAT_direct_mapped = 17;
/** Number of 32-bit feature submaps. */
export const XENFEAT_NR_SUBMAPS = 1;

/** XENVER_compile_info result. */
export const xen_compile_info: AbiStruct = {
  name: "xen_compile_info",
  size: 144,
  fields: [
    { name: "compiler", offset: 0, size: 64, count: 64 },
    { name: "compile_by", offset: 64, size: 16, count: 16 },
    { name: "compile_domain", offset: 80, size: 32, count: 32 },
    { name: "compile_date", offset: 112, size: 32, count: 32 },
  ],
};

/** XENVER_platform_parameters result: the start of Xen's virtual area (0 on ARM). */
export const xen_platform_parameters: AbiStruct = {
  name: "xen_platform_parameters",
  size: 8,
  fields: [{ name: "virt_start", offset: 0, size: 8 }],
};

/** XENVER_get_features argument (submap_idx in) and result (submap out). */
export const xen_feature_info: AbiStruct = {
  name: "xen_feature_info",
  size: 8,
  fields: [
    { name: "submap_idx", offset: 0, size: 4 },
    { name: "submap", offset: 4, size: 4 },
  ],
};

/** XENVER_build_id argument: len in (buffer size), out (bytes written), then the bytes. */
export const xen_build_id: AbiStruct = {
  name: "xen_build_id",
  size: 4,
  fields: [{ name: "len", offset: 0, size: 4 }],
};
