/**
 * The hypercalls hvlab implements, as one table: what an ARM guest of Xen 4.17 can call. Anything
 * else (x86-only calls, physdev_op, domctl/sysctl) answers -ENOSYS and shows up in
 * the hypervisor log and the vcpu's hypercall counters.
 */
import type { GrantOps } from "../grant/grant_ops.ts";
import { consoleIoHypercall } from "./console_io.ts";
import { type DmOpHost, dmOpHypercall } from "./dm_op.ts";
import { multicallHypercall } from "./dispatch.ts";
import { eventChannelOpHypercall } from "./event_channel_op.ts";
import { grantTableOpHypercall } from "./grant_table_op.ts";
import { hvmOpHypercall } from "./hvm_op.ts";
import { memoryOpHypercall } from "./memory_op.ts";
import { type PollSupport, schedOpHypercall } from "./sched_op.ts";
import { HypercallTable } from "./table.ts";
import { type VcpuOpHost, vcpuOpHypercall } from "./vcpu_op.ts";
import { vmAssistHypercall } from "./vm_assist.ts";
import { xenVersionHypercall } from "./xen_version.ts";

/** What the table's rows need from the hypervisor. */
export interface StandardTableHost extends VcpuOpHost, PollSupport, DmOpHost {
  readonly grantOps: GrantOps;
}

/** Builds the table. */
export function standardHypercalls(host: StandardTableHost): HypercallTable {
  const table: HypercallTable = new HypercallTable([
    memoryOpHypercall(),
    multicallHypercall(() => table),
    xenVersionHypercall,
    consoleIoHypercall,
    grantTableOpHypercall(host.grantOps),
    vcpuOpHypercall(host),
    schedOpHypercall(host),
    eventChannelOpHypercall,
    hvmOpHypercall,
    vmAssistHypercall,
    dmOpHypercall(host),
  ]);
  return table;
}
