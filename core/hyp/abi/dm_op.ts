/**
 * Device-model operations (dm_op, hypercall 41, xen/include/public/hvm/dm_op.h) and the ioreq
 * page format (hvm/ioreq.h) an out-of-hypervisor device model (an ioreq server) uses: Xen writes
 * an ioreq into the vcpu's slot, sets STATE_IOREQ_READY and notifies vp_eport; the device model
 * answers with STATE_IORESP_READY. dm_op's arguments are a list of xen_dm_op_buf; the first holds
 * struct xen_dm_op.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** dm_op: create ioreq server. */
export const XEN_DMOP_create_ioreq_server = 1;
/** dm_op: get ioreq server info. */
export const XEN_DMOP_get_ioreq_server_info = 2;
/** dm_op: map io range to ioreq server. */
export const XEN_DMOP_map_io_range_to_ioreq_server = 3;
/** dm_op: unmap io range from ioreq server. */
export const XEN_DMOP_unmap_io_range_from_ioreq_server = 4;
/** dm_op: set ioreq server state. */
export const XEN_DMOP_set_ioreq_server_state = 5;
/** dm_op: destroy ioreq server. */
export const XEN_DMOP_destroy_ioreq_server = 6;
/** dm_op: track dirty vram. */
export const XEN_DMOP_track_dirty_vram = 7;
/** dm_op: set pci intx level. */
export const XEN_DMOP_set_pci_intx_level = 8;
/** dm_op: set isa irq level. */
export const XEN_DMOP_set_isa_irq_level = 9;
/** dm_op: set pci link route. */
export const XEN_DMOP_set_pci_link_route = 10;
/** dm_op: modified memory. */
export const XEN_DMOP_modified_memory = 11;
/** dm_op: set mem type. */
export const XEN_DMOP_set_mem_type = 12;
/** dm_op: inject event. */
export const XEN_DMOP_inject_event = 13;
/** dm_op: inject msi. */
export const XEN_DMOP_inject_msi = 14;
/** dm_op: map mem type to ioreq server. */
export const XEN_DMOP_map_mem_type_to_ioreq_server = 15;
/** dm_op: remote shutdown. */
export const XEN_DMOP_remote_shutdown = 16;
/** dm_op: relocate memory. */
export const XEN_DMOP_relocate_memory = 17;
/** dm_op: pin memory cacheattr. */
export const XEN_DMOP_pin_memory_cacheattr = 18;
/** dm_op: set irq level. */
export const XEN_DMOP_set_irq_level = 19;
/** dm_op: nr vcpus. */
export const XEN_DMOP_nr_vcpus = 20;
/** Bit number of XEN_DMOP_no_gfns. */
export const _XEN_DMOP_no_gfns = 0;
/** get_ioreq_server_info flag: do not return the legacy gfns (use acquire_resource). */
export const XEN_DMOP_no_gfns = 1;
/** ioreq server range type: I/O ports (x86). */
export const XEN_DMOP_IO_RANGE_PORT = 0;
/** ioreq server range type: MMIO. */
export const XEN_DMOP_IO_RANGE_MEMORY = 1;
/** ioreq server range type: PCI config space (SBDF). */
export const XEN_DMOP_IO_RANGE_PCI = 2;
/** map_mem_type_to_ioreq_server flag: forward reads. */
export const XEN_DMOP_IOREQ_MEM_ACCESS_READ = 1;
/** map_mem_type_to_ioreq_server flag: forward writes. */
export const XEN_DMOP_IOREQ_MEM_ACCESS_WRITE = 2;
/** create_ioreq_server: no buffered ioreq page. */
export const HVM_IOREQSRV_BUFIOREQ_OFF = 0;
/** create_ioreq_server: buffered ioreqs, legacy pointers. */
export const HVM_IOREQSRV_BUFIOREQ_LEGACY = 1;
/** create_ioreq_server: buffered ioreqs, atomic pointers. */
export const HVM_IOREQSRV_BUFIOREQ_ATOMIC = 2;
/** ioreq.dir: the guest reads (the device model fills data). */
export const IOREQ_READ = 1;
/** ioreq.dir: the guest writes data. */
export const IOREQ_WRITE = 0;
/** ioreq.state: slot free. */
export const STATE_IOREQ_NONE = 0;
/** ioreq.state: Xen posted a request. */
export const STATE_IOREQ_READY = 1;
/** ioreq.state: the device model is handling it. */
export const STATE_IOREQ_INPROCESS = 2;
/** ioreq.state: the device model has answered. */
export const STATE_IORESP_READY = 3;
/** ioreq.type: port I/O (x86). */
export const IOREQ_TYPE_PIO = 0;
/** ioreq.type: MMIO access. */
export const IOREQ_TYPE_COPY = 1;
/** ioreq.type: PCI config access. */
export const IOREQ_TYPE_PCI_CONFIG = 2;
/** ioreq.type: RTC time offset changed. */
export const IOREQ_TYPE_TIMEOFFSET = 7;
/** ioreq.type: invalidate the device model's map cache. */
export const IOREQ_TYPE_INVALIDATE = 8;
/** Slots in the buffered ioreq page. */
export const IOREQ_BUFFER_SLOT_NUM = 511;

/** One dm_op argument buffer (guest handle and length). */
export const xen_dm_op_buf: AbiStruct = {
  name: "xen_dm_op_buf",
  size: 16,
  fields: [
    { name: "h", offset: 0, size: 8, handle: true },
    { name: "size", offset: 8, size: 8 },
  ],
};

/** XEN_DMOP_create_ioreq_server argument (id out). */
export const xen_dm_op_create_ioreq_server: AbiStruct = {
  name: "xen_dm_op_create_ioreq_server",
  size: 6,
  fields: [
    { name: "handle_bufioreq", offset: 0, size: 1 },
    { name: "pad", offset: 1, size: 3, count: 3 },
    { name: "id", offset: 4, size: 2 },
  ],
};

/** XEN_DMOP_get_ioreq_server_info argument. */
export const xen_dm_op_get_ioreq_server_info: AbiStruct = {
  name: "xen_dm_op_get_ioreq_server_info",
  size: 24,
  fields: [
    { name: "id", offset: 0, size: 2 },
    { name: "flags", offset: 2, size: 2 },
    { name: "bufioreq_port", offset: 4, size: 4 },
    { name: "ioreq_gfn", offset: 8, size: 8 },
    { name: "bufioreq_gfn", offset: 16, size: 8 },
  ],
};

/** XEN_DMOP_map_io_range_to_ioreq_server / unmap_io_range_from_ioreq_server argument (inclusive range). */
export const xen_dm_op_ioreq_server_range: AbiStruct = {
  name: "xen_dm_op_ioreq_server_range",
  size: 24,
  fields: [
    { name: "id", offset: 0, size: 2 },
    { name: "pad", offset: 2, size: 2 },
    { name: "type", offset: 4, size: 4 },
    { name: "start", offset: 8, size: 8 },
    { name: "end", offset: 16, size: 8 },
  ],
};

/** XEN_DMOP_set_ioreq_server_state argument. */
export const xen_dm_op_set_ioreq_server_state: AbiStruct = {
  name: "xen_dm_op_set_ioreq_server_state",
  size: 4,
  fields: [
    { name: "id", offset: 0, size: 2 },
    { name: "enabled", offset: 2, size: 1 },
    { name: "pad", offset: 3, size: 1 },
  ],
};

/** XEN_DMOP_destroy_ioreq_server argument. */
export const xen_dm_op_destroy_ioreq_server: AbiStruct = {
  name: "xen_dm_op_destroy_ioreq_server",
  size: 4,
  fields: [
    { name: "id", offset: 0, size: 2 },
    { name: "pad", offset: 2, size: 2 },
  ],
};

/** XEN_DMOP_set_irq_level argument (ARM: an SPI). */
export const xen_dm_op_set_irq_level: AbiStruct = {
  name: "xen_dm_op_set_irq_level",
  size: 8,
  fields: [
    { name: "irq", offset: 0, size: 4 },
    { name: "level", offset: 4, size: 1 },
    { name: "pad", offset: 5, size: 3, count: 3 },
  ],
};

/** XEN_DMOP_nr_vcpus result. */
export const xen_dm_op_nr_vcpus: AbiStruct = {
  name: "xen_dm_op_nr_vcpus",
  size: 4,
  fields: [
    { name: "vcpus", offset: 0, size: 4 },
  ],
};

/** XEN_DMOP_remote_shutdown argument (a SHUTDOWN_* reason). */
export const xen_dm_op_remote_shutdown: AbiStruct = {
  name: "xen_dm_op_remote_shutdown",
  size: 4,
  fields: [
    { name: "reason", offset: 0, size: 4 },
  ],
};

/** XEN_DMOP_relocate_memory argument. */
export const xen_dm_op_relocate_memory: AbiStruct = {
  name: "xen_dm_op_relocate_memory",
  size: 24,
  fields: [
    { name: "size", offset: 0, size: 4 },
    { name: "pad", offset: 4, size: 4 },
    { name: "src_gfn", offset: 8, size: 8 },
    { name: "dst_gfn", offset: 16, size: 8 },
  ],
};

/** The first dm_op buffer: XEN_DMOP_* in op, the sub-op's argument in u (at offset 8). */
export const xen_dm_op: AbiStruct = {
  name: "xen_dm_op",
  size: 32,
  fields: [
    { name: "op", offset: 0, size: 4 },
    { name: "pad", offset: 4, size: 4 },
    { name: "u.create_ioreq_server.id", offset: 12, size: 2 },
    { name: "u.get_ioreq_server_info.id", offset: 8, size: 2 },
    { name: "u.map_io_range_to_ioreq_server.start", offset: 16, size: 8 },
    { name: "u.set_irq_level.irq", offset: 8, size: 4 },
    { name: "u.set_irq_level.level", offset: 12, size: 1 },
    { name: "u.nr_vcpus.vcpus", offset: 8, size: 4 },
    { name: "u.remote_shutdown.reason", offset: 8, size: 4 },
  ],
};

/** One synchronous I/O request slot (state, data_is_ptr, dir and df are bit-fields of byte 30). */
export const ioreq: AbiStruct = {
  name: "ioreq",
  size: 32,
  fields: [
    { name: "addr", offset: 0, size: 8 },
    { name: "data", offset: 8, size: 8 },
    { name: "count", offset: 16, size: 4 },
    { name: "size", offset: 20, size: 4 },
    { name: "vp_eport", offset: 24, size: 4 },
    { name: "_pad0", offset: 28, size: 2 },
    { name: "state", offset: 30, size: 1, bits: { shift: 0, width: 4 } },
    { name: "data_is_ptr", offset: 30, size: 1, bits: { shift: 4, width: 1 } },
    { name: "dir", offset: 30, size: 1, bits: { shift: 5, width: 1 } },
    { name: "df", offset: 30, size: 1, bits: { shift: 6, width: 1 } },
    { name: "type", offset: 31, size: 1 },
  ],
};

/** The synchronous ioreq page: one slot per vcpu, indexed by vcpu id (C declares [1]). */
export const shared_iopage: AbiStruct = {
  name: "shared_iopage",
  size: 32,
  fields: [{ name: "vcpu_ioreq", offset: 0, size: 32, count: 1 }],
};

/** A buffered (fire-and-forget write) ioreq; addr is a 20-bit field of the first word. */
export const buf_ioreq: AbiStruct = {
  name: "buf_ioreq",
  size: 8,
  fields: [
    { name: "type", offset: 0, size: 1 },
    { name: "pad", offset: 0, size: 4, bits: { shift: 8, width: 1 } },
    { name: "dir", offset: 0, size: 4, bits: { shift: 9, width: 1 } },
    { name: "size", offset: 0, size: 4, bits: { shift: 10, width: 2 } },
    { name: "addr", offset: 0, size: 4, bits: { shift: 12, width: 20 } },
    { name: "data", offset: 4, size: 4 },
  ],
};

/** The buffered ioreq page: read/write pointers then IOREQ_BUFFER_SLOT_NUM slots. */
export const buffered_iopage: AbiStruct = {
  name: "buffered_iopage",
  size: 4096,
  fields: [
    { name: "read_pointer", offset: 0, size: 4 },
    { name: "write_pointer", offset: 4, size: 4 },
    { name: "buf_ioreq", offset: 8, size: 4088, count: 511 },
  ],
};
