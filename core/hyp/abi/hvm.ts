/**
 * hvm_op (hypercall 34, xen/include/public/hvm/hvm_op.h, params.h): HVMOP_* sub-ops and the
 * HVM_PARAM_* indices a guest reads with HVMOP_get_param, including the ARM encoding of
 * HVM_PARAM_CALLBACK_IRQ (event-channel upcall as a PPI).
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Set an HVM parameter (struct xen_hvm_param). */
export const HVMOP_set_param = 0;
/** Get an HVM parameter (struct xen_hvm_param). */
export const HVMOP_get_param = 1;
/** x86 only. */
export const HVMOP_flush_tlbs = 5;
/** x86 only. */
export const HVMOP_pagetable_dying = 9;
/** Current system time (struct xen_hvm_get_time). */
export const HVMOP_get_time = 10;
/** Write a trace record. */
export const HVMOP_xentrace = 11;
/** Obsolete (memory access). */
export const HVMOP_set_mem_access = 12;
/** Obsolete (memory access). */
export const HVMOP_get_mem_access = 13;
/** x86 only. */
export const HVMOP_get_mem_type = 15;
/** Send a vm_event to the monitor. */
export const HVMOP_guest_request_vm_event = 24;
/** Alternate p2m operations. */
export const HVMOP_altp2m = 25;
/** How event-channel notifications reach the guest (ARM: PPI, see hvmCallbackIrqPpi). */
export const HVM_PARAM_CALLBACK_IRQ = 0;
/** CALLBACK_IRQ type: a GSI (x86). */
export const HVM_PARAM_CALLBACK_TYPE_GSI = 0;
/** CALLBACK_IRQ type: a PCI INTx line (x86). */
export const HVM_PARAM_CALLBACK_TYPE_PCI_INTX = 1;
/** CALLBACK_IRQ type on ARM: val[7:0] is the PPI, val[15:8] its flags. */
export const HVM_PARAM_CALLBACK_TYPE_PPI = 2;
/** CALLBACK_IRQ (PPI): the flags byte. */
export const HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_MASK = 65280;
/** CALLBACK_IRQ (PPI) flags value: level-triggered, active low. */
export const HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL = 2;
/** gfn of the xenstore ring page. */
export const HVM_PARAM_STORE_PFN = 1;
/** Event channel of the xenstore ring. */
export const HVM_PARAM_STORE_EVTCHN = 2;
/** x86 only. */
export const HVM_PARAM_PAE_ENABLED = 4;
/** gfn of the synchronous ioreq page (legacy ioreq server). */
export const HVM_PARAM_IOREQ_PFN = 5;
/** gfn of the buffered ioreq page. */
export const HVM_PARAM_BUFIOREQ_PFN = 6;
/** x86 only. */
export const HVM_PARAM_TIMER_MODE = 10;
/** x86 only. */
export const HVM_PARAM_HPET_ENABLED = 11;
/** x86 only. */
export const HVM_PARAM_IDENT_PT = 12;
/** Domain running the device model. */
export const HVM_PARAM_DM_DOMAIN = 13;
/** ACPI sleep state. */
export const HVM_PARAM_ACPI_S_STATE = 14;
/** x86 only. */
export const HVM_PARAM_VM86_TSS = 15;
/** x86 only. */
export const HVM_PARAM_VPT_ALIGN = 16;
/** gfn of the PV console ring page. */
export const HVM_PARAM_CONSOLE_PFN = 17;
/** Event channel of the PV console ring. */
export const HVM_PARAM_CONSOLE_EVTCHN = 18;
/** x86 only. */
export const HVM_PARAM_ACPI_IOPORTS_LOCATION = 19;
/** Nested virtualisation enabled. */
export const HVM_PARAM_NESTEDHVM = 24;
/** Event channel of the buffered ioreq page. */
export const HVM_PARAM_BUFIOREQ_EVTCHN = 26;
/** vm_event paging ring. */
export const HVM_PARAM_PAGING_RING_PFN = 27;
/** vm_event monitor ring. */
export const HVM_PARAM_MONITOR_RING_PFN = 28;
/** vm_event sharing ring. */
export const HVM_PARAM_SHARING_RING_PFN = 29;
/** x86 only. */
export const HVM_PARAM_TRIPLE_FAULT_REASON = 31;
/** First gfn of the ioreq server pages. */
export const HVM_PARAM_IOREQ_SERVER_PFN = 32;
/** Number of ioreq server pages. */
export const HVM_PARAM_NR_IOREQ_SERVER_PAGES = 33;
/** VM generation id address. */
export const HVM_PARAM_VM_GENERATION_ID_ADDR = 34;
/** altp2m mode. */
export const HVM_PARAM_ALTP2M = 35;
/** x86 only. */
export const HVM_PARAM_X87_FIP_WIDTH = 36;
/** x86 only. */
export const HVM_PARAM_VM86_TSS_SIZED = 37;
/** x86 only. */
export const HVM_PARAM_MCA_CAP = 38;
/** Number of HVM parameters (valid indices are below it). */
export const HVM_NR_PARAMS = 39;
/** CALLBACK_IRQ: the type field, val[63:56]. */
export const HVM_PARAM_CALLBACK_IRQ_TYPE_MASK = 0xff00000000000000n;

/**
 * The HVM_PARAM_CALLBACK_IRQ value for delivery through `ppi` with `flags` (bit 0 edge, bit 1
 * active low), as Xen's ARM domain builder stores it: type PPI in val[63:56], flags in val[15:8].
 * Throws when ppi is not a PPI (16-31) or flags do not fit a byte.
 */
export function hvmCallbackIrqPpi(
  ppi: number,
  flags: number = HVM_PARAM_CALLBACK_TYPE_PPI_FLAG_LOW_LEVEL,
): bigint {
  if (!Number.isInteger(ppi) || ppi < 16 || ppi > 31) throw new Error(`not a PPI: ${ppi}`);
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new Error(`PPI flags must be a byte: ${flags}`);
  }
  return (BigInt(HVM_PARAM_CALLBACK_TYPE_PPI) << 56n) | (BigInt(flags) << 8n) | BigInt(ppi);
}

/** HVMOP_set_param / HVMOP_get_param argument. */
export const xen_hvm_param: AbiStruct = {
  name: "xen_hvm_param",
  size: 16,
  fields: [
    { name: "domid", offset: 0, size: 2 },
    { name: "pad", offset: 2, size: 2 },
    { name: "index", offset: 4, size: 4 },
    { name: "value", offset: 8, size: 8 },
  ],
};

/** HVMOP_get_time result (ns of system time). */
export const xen_hvm_get_time: AbiStruct = {
  name: "xen_hvm_get_time",
  size: 8,
  fields: [
    { name: "now", offset: 0, size: 8 },
  ],
};
