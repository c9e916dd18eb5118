/**
 * The PV console ring (xen/include/public/io/console.h) in the console magic page
 * (HVM_PARAM_CONSOLE_PFN, notified over HVM_PARAM_CONSOLE_EVTCHN), and console_io (hypercall 18)
 * sub-ops for Xen's own emergency console.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** console_io: write count bytes from a guest buffer to Xen's console. */
export const CONSOLEIO_write = 0;
/** console_io: read from Xen's console (hardware domain only). */
export const CONSOLEIO_read = 1;

/** The console ring page: "in" carries input to the guest, "out" its output; the indices run
 * freely and are masked by each ring's size (field size). */
export const xencons_interface: AbiStruct = {
  name: "xencons_interface",
  size: 3088,
  fields: [
    { name: "in", offset: 0, size: 1024, count: 1024 },
    { name: "out", offset: 1024, size: 2048, count: 2048 },
    { name: "in_cons", offset: 3072, size: 4 },
    { name: "in_prod", offset: 3076, size: 4 },
    { name: "out_cons", offset: 3080, size: 4 },
    { name: "out_prod", offset: 3084, size: 4 },
  ],
};
