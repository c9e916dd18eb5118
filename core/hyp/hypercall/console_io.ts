/**
 * console_io (hypercall 18): the hypervisor's own console. Xen's default security policy lets
 * only privileged domains use it (a domU gets -EPERM; its console is the PV console or the
 * vpl011), and hvlab follows that unless the domain was created with `consoleIo`.
 */
import { __HYPERVISOR_console_io } from "../abi/hypercalls.ts";
import { XEN_EPERM } from "../abi/errno.ts";
import { CONSOLEIO_read, CONSOLEIO_write } from "../abi/console.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";

/** Xen writes at most this much per hypercall before it would continue (then it loops). */
const MAX_WRITE = 1 << 20;

function allowed(c: HypercallContext): void {
  if (!c.domain.privileged && !c.domain.consoleIo) {
    throw new XenError(XEN_EPERM, `domain ${c.domain.id} may not use the hypervisor console`);
  }
}

/** The console_io row. */
export const consoleIoHypercall: HypercallDef = {
  nr: __HYPERVISOR_console_io,
  name: "console_io",
  doc: "write to (privileged: read from) the hypervisor console",
  subops: [
    {
      cmd: CONSOLEIO_write,
      name: "write",
      run: (c, a) => {
        allowed(c);
        const n = Number(BigInt.asUintN(32, a[1]));
        c.hv.consoleWrite(c.domain, c.guest.read(a[2], Math.min(n, MAX_WRITE)));
        return 0;
      },
    },
    {
      cmd: CONSOLEIO_read,
      name: "read",
      run: (c) => {
        allowed(c);
        // Nothing is ever typed into the hypervisor console itself: no bytes.
        return 0;
      },
    },
  ],
};
