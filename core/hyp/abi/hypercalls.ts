/**
 * Hypercall numbers (xen/include/public/xen.h) and the ARM calling convention: `HVC #0xEA1`,
 * number in x16, arguments in x0-x4, result in x0 (a negative XEN_E* value on failure). The
 * hypervisor's dispatch table is keyed by these numbers; HYPERCALL_NAMES gives the REPL and the
 * unimplemented-hypercall counters their names.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** The HVC immediate Xen on ARM uses for hypercalls (arch-arm.h); other immediates are not Xen's. */
export const XEN_HYPERCALL_TAG = 0xea1;

/** The page size the ARM guest ABI is defined in (frame numbers are 4 KiB frames). */
export const XEN_PAGE_SIZE = 4096;

/** Hypercall 0: set_trap_table. */
export const __HYPERVISOR_set_trap_table = 0;
/** Hypercall 1: mmu_update. */
export const __HYPERVISOR_mmu_update = 1;
/** Hypercall 2: set_gdt. */
export const __HYPERVISOR_set_gdt = 2;
/** Hypercall 3: stack_switch. */
export const __HYPERVISOR_stack_switch = 3;
/** Hypercall 4: set_callbacks. */
export const __HYPERVISOR_set_callbacks = 4;
/** Hypercall 5: fpu_taskswitch. */
export const __HYPERVISOR_fpu_taskswitch = 5;
/** Hypercall 6: sched_op_compat. */
export const __HYPERVISOR_sched_op_compat = 6;
/** Hypercall 7: platform_op. */
export const __HYPERVISOR_platform_op = 7;
/** Hypercall 8: set_debugreg. */
export const __HYPERVISOR_set_debugreg = 8;
/** Hypercall 9: get_debugreg. */
export const __HYPERVISOR_get_debugreg = 9;
/** Hypercall 10: update_descriptor. */
export const __HYPERVISOR_update_descriptor = 10;
/** Hypercall 12: memory_op. */
export const __HYPERVISOR_memory_op = 12;
/** Hypercall 13: multicall. */
export const __HYPERVISOR_multicall = 13;
/** Hypercall 14: update_va_mapping. */
export const __HYPERVISOR_update_va_mapping = 14;
/** Hypercall 15: set_timer_op. */
export const __HYPERVISOR_set_timer_op = 15;
/** Hypercall 16: event_channel_op_compat. */
export const __HYPERVISOR_event_channel_op_compat = 16;
/** Hypercall 17: xen_version. */
export const __HYPERVISOR_xen_version = 17;
/** Hypercall 18: console_io. */
export const __HYPERVISOR_console_io = 18;
/** Hypercall 19: physdev_op_compat. */
export const __HYPERVISOR_physdev_op_compat = 19;
/** Hypercall 20: grant_table_op. */
export const __HYPERVISOR_grant_table_op = 20;
/** Hypercall 21: vm_assist. */
export const __HYPERVISOR_vm_assist = 21;
/** Hypercall 22: update_va_mapping_otherdomain. */
export const __HYPERVISOR_update_va_mapping_otherdomain = 22;
/** Hypercall 23: iret. */
export const __HYPERVISOR_iret = 23;
/** Hypercall 24: vcpu_op. */
export const __HYPERVISOR_vcpu_op = 24;
/** Hypercall 25: set_segment_base. */
export const __HYPERVISOR_set_segment_base = 25;
/** Hypercall 26: mmuext_op. */
export const __HYPERVISOR_mmuext_op = 26;
/** Hypercall 27: xsm_op. */
export const __HYPERVISOR_xsm_op = 27;
/** Hypercall 28: nmi_op. */
export const __HYPERVISOR_nmi_op = 28;
/** Hypercall 29: sched_op. */
export const __HYPERVISOR_sched_op = 29;
/** Hypercall 30: callback_op. */
export const __HYPERVISOR_callback_op = 30;
/** Hypercall 31: xenoprof_op. */
export const __HYPERVISOR_xenoprof_op = 31;
/** Hypercall 32: event_channel_op. */
export const __HYPERVISOR_event_channel_op = 32;
/** Hypercall 33: physdev_op. */
export const __HYPERVISOR_physdev_op = 33;
/** Hypercall 34: hvm_op. */
export const __HYPERVISOR_hvm_op = 34;
/** Hypercall 35: sysctl. */
export const __HYPERVISOR_sysctl = 35;
/** Hypercall 36: domctl. */
export const __HYPERVISOR_domctl = 36;
/** Hypercall 37: kexec_op. */
export const __HYPERVISOR_kexec_op = 37;
/** Hypercall 38: tmem_op. */
export const __HYPERVISOR_tmem_op = 38;
/** Hypercall 39: argo_op. */
export const __HYPERVISOR_argo_op = 39;
/** Hypercall 40: xenpmu_op. */
export const __HYPERVISOR_xenpmu_op = 40;
/** Hypercall 41: dm_op. */
export const __HYPERVISOR_dm_op = 41;
/** Hypercall 42: hypfs_op. */
export const __HYPERVISOR_hypfs_op = 42;
/** Hypercall 48: arch_0. */
export const __HYPERVISOR_arch_0 = 48;
/** Hypercall 49: arch_1. */
export const __HYPERVISOR_arch_1 = 49;
/** Hypercall 50: arch_2. */
export const __HYPERVISOR_arch_2 = 50;
/** Hypercall 51: arch_3. */
export const __HYPERVISOR_arch_3 = 51;
/** Hypercall 52: arch_4. */
export const __HYPERVISOR_arch_4 = 52;
/** Hypercall 53: arch_5. */
export const __HYPERVISOR_arch_5 = 53;
/** Hypercall 54: arch_6. */
export const __HYPERVISOR_arch_6 = 54;
/** Hypercall 55: arch_7. */
export const __HYPERVISOR_arch_7 = 55;

/** Hypercall name (without the __HYPERVISOR_ prefix) by number. */
export const HYPERCALL_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "set_trap_table"],
  [1, "mmu_update"],
  [2, "set_gdt"],
  [3, "stack_switch"],
  [4, "set_callbacks"],
  [5, "fpu_taskswitch"],
  [6, "sched_op_compat"],
  [7, "platform_op"],
  [8, "set_debugreg"],
  [9, "get_debugreg"],
  [10, "update_descriptor"],
  [12, "memory_op"],
  [13, "multicall"],
  [14, "update_va_mapping"],
  [15, "set_timer_op"],
  [16, "event_channel_op_compat"],
  [17, "xen_version"],
  [18, "console_io"],
  [19, "physdev_op_compat"],
  [20, "grant_table_op"],
  [21, "vm_assist"],
  [22, "update_va_mapping_otherdomain"],
  [23, "iret"],
  [24, "vcpu_op"],
  [25, "set_segment_base"],
  [26, "mmuext_op"],
  [27, "xsm_op"],
  [28, "nmi_op"],
  [29, "sched_op"],
  [30, "callback_op"],
  [31, "xenoprof_op"],
  [32, "event_channel_op"],
  [33, "physdev_op"],
  [34, "hvm_op"],
  [35, "sysctl"],
  [36, "domctl"],
  [37, "kexec_op"],
  [38, "tmem_op"],
  [39, "argo_op"],
  [40, "xenpmu_op"],
  [41, "dm_op"],
  [42, "hypfs_op"],
  [48, "arch_0"],
  [49, "arch_1"],
  [50, "arch_2"],
  [51, "arch_3"],
  [52, "arch_4"],
  [53, "arch_5"],
  [54, "arch_6"],
  [55, "arch_7"],
]);

/** The caller's own domain, wherever a domid_t argument is accepted. */
export const DOMID_SELF = 0x7ff0;
/** First domid reserved for special meanings (no real domain has this id or above). */
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** Pseudo-domain owning I/O memory. */
export const DOMID_IO = 0x7ff1;
/** Pseudo-domain owning Xen's own pages (e.g. shared_info's frame). */
export const DOMID_XEN = 0x7ff2;
/** Pseudo-domain for copy-on-write pages. */
export const DOMID_COW = 0x7ff3;
/** An invalid domid (e.g. "no domain yet"). */
export const DOMID_INVALID = 0x7ff4;
/** The idle domain. */
export const DOMID_IDLE = 0x7fff;
/** Mask of the domid bits. */
export const DOMID_MASK = 0x7fff;

/** One entry of a multicall list (xen_ulong_t is 64-bit on ARM). */
export const multicall_entry: AbiStruct = {
  name: "multicall_entry",
  size: 64,
  fields: [
    { name: "op", offset: 0, size: 8 },
    { name: "result", offset: 8, size: 8 },
    { name: "args", offset: 16, size: 48, count: 6 },
  ],
};

/** vm_assist command: enable an assist. */
export const VMASST_CMD_enable = 0;
/** vm_assist command: disable an assist. */
export const VMASST_CMD_disable = 1;
/** vm_assist type: Xen sets XEN_RUNSTATE_UPDATE while it writes a runstate area (the only one ARM has). */
export const VMASST_TYPE_runstate_update_flag = 5;
