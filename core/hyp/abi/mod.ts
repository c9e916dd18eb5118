/**
 * Xen's guest ABI for ARM64 as plain data (xen/include/public/, Xen 4.17): hypercall numbers,
 * sub-ops, flags and structure layouts. Imports nothing at run time; each file is one header-ish
 * concept. Checked value by value against the real headers by tests/hyp/abi_test.ts.
 *
 * @module
 */

export * as arm_memory_map from "./arm_memory_map.ts";
export * as console from "./console.ts";
export * as dm_op from "./dm_op.ts";
export * as errno from "./errno.ts";
export * as event_channel from "./event_channel.ts";
export * as grant_table from "./grant_table.ts";
export * as hvm from "./hvm.ts";
export * as hypercalls from "./hypercalls.ts";
export * as memory from "./memory.ts";
export * as psci from "./psci.ts";
export * as sched from "./sched.ts";
export * as shared_info from "./shared_info.ts";
export * as vcpu from "./vcpu.ts";
export * as xen_version from "./xen_version.ts";
export * as xenstore from "./xenstore.ts";
export {
  type AbiField,
  abiField,
  type AbiStruct,
  decodeAbiStruct,
  isAbiStruct,
  readAbiField,
  writeAbiField,
} from "./layout.ts";
