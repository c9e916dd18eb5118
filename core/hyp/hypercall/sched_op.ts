/**
 * sched_op (hypercall 29): yield, block, shutdown (with its reason), poll, remote_shutdown,
 * shutdown_code. SCHEDOP_block is common code in Xen and works on ARM too (Linux waits with WFI
 * instead); SCHEDOP_watchdog is not implemented yet (-ENOSYS).
 */
import { __HYPERVISOR_sched_op } from "../abi/hypercalls.ts";
import { XEN_EINVAL, XEN_EPERM, XEN_ESRCH } from "../abi/errno.ts";
import * as S from "../abi/sched.ts";
import { SHUTDOWN_REASONS } from "../domain.ts";
import { XenError } from "../xen_error.ts";
import type { HypercallContext, HypercallDef } from "./table.ts";

/** Most ports one SCHEDOP_poll may wait on (Xen's limit: 128). */
const MAX_POLL_PORTS = 128;

function reasonOf(code: number) {
  return SHUTDOWN_REASONS[code] ?? "crash";
}

/** The hooks sched_op needs beyond the common services (event channels wire poll). */
export interface PollSupport {
  /** True when `port` of the caller's domain is pending; XenError(EINVAL) for a bad port. */
  portPending(ctx: HypercallContext, port: number): boolean;
}

/** Builds the sched_op row; `poll` answers SCHEDOP_poll's port checks. */
export function schedOpHypercall(poll: PollSupport): HypercallDef {
  return {
    nr: __HYPERVISOR_sched_op,
    name: "sched_op",
    doc: "yield, shut down, poll event channels",
    subops: [
      {
        cmd: S.SCHEDOP_yield,
        name: "yield",
        run: (c) => {
          c.hv.yieldVcpu(c.vcpu);
          return 0;
        },
      },
      {
        cmd: S.SCHEDOP_block,
        name: "block",
        // Blocks until an event or interrupt is pending; not at all when one already is.
        run: (c) => {
          c.hv.block(c.vcpu);
          return 0;
        },
      },
      {
        cmd: S.SCHEDOP_shutdown,
        name: "shutdown",
        run: (c, a) => {
          const dv = c.guest.readStruct(a[1], S.sched_shutdown.size);
          c.hv.shutdown(c.domain, reasonOf(dv.getUint32(0, true) & 0xff));
          return 0;
        },
      },
      {
        cmd: S.SCHEDOP_shutdown_code,
        name: "shutdown_code",
        run: (c, a) => {
          const dv = c.guest.readStruct(a[1], S.sched_shutdown.size);
          // Only the first code counts, as on Xen.
          c.domain.shutdownCode ??= dv.getUint32(0, true) & 0xff;
          return 0;
        },
      },
      {
        cmd: S.SCHEDOP_poll,
        name: "poll",
        run: (c, a) => pollPorts(c, a[1], poll),
      },
      {
        cmd: S.SCHEDOP_remote_shutdown,
        name: "remote_shutdown",
        run: (c, a) => {
          const dv = c.guest.readStruct(a[1], S.sched_remote_shutdown.size);
          // Looked up by id only (Xen's rcu_lock_domain_by_id): DOMID_SELF names no domain.
          const id = dv.getUint16(0, true);
          const d = c.hv.domain(id);
          if (d === undefined) throw new XenError(XEN_ESRCH, `remote_shutdown of no domain ${id}`);
          if (!c.domain.privileged) {
            throw new XenError(XEN_EPERM, `remote_shutdown of domain ${id} needs privilege`);
          }
          c.hv.shutdown(d, reasonOf(dv.getUint32(4, true) & 0xff));
          return 0;
        },
      },
      {
        cmd: S.SCHEDOP_pin_override,
        name: "pin_override",
        run: (c) => {
          if (!c.domain.privileged) throw new XenError(XEN_EPERM, "pin_override needs privilege");
          return 0;
        },
      },
    ],
  };
}

function pollPorts(c: HypercallContext, va: bigint, poll: PollSupport): number {
  const dv = c.guest.readStruct(va, S.sched_poll.size);
  const handle = dv.getBigUint64(0, true);
  const n = dv.getUint32(8, true);
  const timeout = dv.getBigUint64(16, true);
  if (n > MAX_POLL_PORTS) throw new XenError(XEN_EINVAL, `poll of ${n} ports (max 128)`);
  const raw = c.guest.read(handle, 4 * n);
  const ports = Array.from(
    { length: n },
    (_, i) => new DataView(raw.buffer).getUint32(4 * i, true),
  );
  // Any pending port ends the poll at once (Xen checks after marking the vcpu as polling).
  for (const p of ports) if (poll.portPending(c, p)) return 0;
  const now = c.hv.nowNs();
  if (timeout !== 0n && Number(timeout) <= now) return 0;
  c.vcpu.pollPorts = ports;
  c.vcpu.pollTimeoutNs = timeout === 0n ? null : Number(timeout);
  c.hv.block(c.vcpu);
  return 0;
}
