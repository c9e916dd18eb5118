/**
 * Hypercalls through the real dispatcher, part 1: xen_version (values as Xen 4.17 on ARM reports
 * them to a domU), vm_assist, console_io, hvm_op, multicall, and unknown hypercalls and sub-ops.
 */
import assert from "node:assert/strict";
import {
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOSYS,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  __HYPERVISOR_console_io,
  __HYPERVISOR_hvm_op,
  __HYPERVISOR_memory_op,
  __HYPERVISOR_multicall,
  __HYPERVISOR_vm_assist,
  __HYPERVISOR_xen_version,
  DOMID_SELF,
  VMASST_CMD_disable,
  VMASST_CMD_enable,
  VMASST_TYPE_runstate_update_flag,
} from "../../core/hyp/abi/hypercalls.ts";
import * as V from "../../core/hyp/abi/xen_version.ts";
import { CONSOLEIO_read, CONSOLEIO_write } from "../../core/hyp/abi/console.ts";
import {
  HVM_NR_PARAMS,
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_STORE_PFN,
  HVMOP_get_param,
  HVMOP_set_param,
  xen_hvm_param,
} from "../../core/hyp/abi/hvm.ts";
import { GUEST_MAGIC_BASE } from "../../core/hyp/abi/arm_memory_map.ts";
import {
  call,
  getCString,
  getField,
  hypLab,
  putStruct,
  putU64s,
  rc,
  SCRATCH,
} from "../../tools/lab/hyp_lab.ts";

const XV = __HYPERVISOR_xen_version;
/** A guest-physical address with nothing mapped (below the GIC, above the null page). */
const UNMAPPED = 0x10_0000n;

function one() {
  const lab = hypLab();
  return { ...lab, d: lab.doms[0].domain, v: lab.doms[0].domain.vcpus[0] };
}

Deno.test("xen_version: version, extraversion, capabilities as Xen 4.17.7 on arm64", () => {
  const { hv, v } = one();
  assert.equal(call(hv, v, XV, V.XENVER_version), 0x40011n);
  assert.equal(rc(call(hv, v, XV, V.XENVER_extraversion, SCRATCH)), 0);
  assert.equal(getCString(v, SCRATCH, V.XEN_EXTRAVERSION_LEN), ".7");
  assert.equal(rc(call(hv, v, XV, V.XENVER_capabilities, SCRATCH)), 0);
  assert.equal(
    getCString(v, SCRATCH, V.XEN_CAPABILITIES_INFO_LEN),
    "xen-3.0-aarch64 xen-3.0-armv7l ",
  );
  assert.equal(call(hv, v, XV, V.XENVER_pagesize), 4096n);
  // The counters name each sub-op.
  assert.equal(v.hypercalls.get("xen_version/version"), 1);
  assert.equal(v.hypercalls.get("xen_version/capabilities"), 1);
});

Deno.test("xen_version: compile_info, changeset, platform_parameters, guest_handle", () => {
  const { hv, v } = one();
  v.guest.write(BigInt(SCRATCH), new Uint8Array(256).fill(0xaa));
  assert.equal(rc(call(hv, v, XV, V.XENVER_compile_info, SCRATCH)), 0);
  assert.ok(getCString(v, SCRATCH, 64).length > 0, "compiler is named");
  assert.equal(v.guest.read(BigInt(SCRATCH) + 63n, 1)[0], 0, "compiler is NUL-terminated");
  v.guest.write(BigInt(SCRATCH), new Uint8Array(64).fill(0xaa));
  assert.equal(rc(call(hv, v, XV, V.XENVER_changeset, SCRATCH)), 0);
  assert.equal(getCString(v, SCRATCH, V.XEN_CHANGESET_INFO_LEN), "");
  assert.equal(rc(call(hv, v, XV, V.XENVER_platform_parameters, SCRATCH)), 0);
  assert.equal(getField(v, SCRATCH, V.xen_platform_parameters, "virt_start"), 0x200000n);
  v.guest.write(BigInt(SCRATCH), new Uint8Array(16).fill(0xaa));
  assert.equal(rc(call(hv, v, XV, V.XENVER_guest_handle, SCRATCH)), 0);
  assert.deepEqual(v.guest.read(BigInt(SCRATCH), 16), new Uint8Array(16));
});

Deno.test("xen_version: get_features submap 0 is 0x16005, submap 1 is EINVAL", () => {
  const { hv, v } = one();
  putStruct(v, SCRATCH, V.xen_feature_info, { submap_idx: 0, submap: 0xdead });
  assert.equal(rc(call(hv, v, XV, V.XENVER_get_features, SCRATCH)), 0);
  assert.equal(getField(v, SCRATCH, V.xen_feature_info, "submap"), 0x16005);
  putStruct(v, SCRATCH, V.xen_feature_info, { submap_idx: 1, submap: 0xdead });
  assert.equal(rc(call(hv, v, XV, V.XENVER_get_features, SCRATCH)), -XEN_EINVAL);
  // Nothing is written back on the error.
  assert.equal(getField(v, SCRATCH, V.xen_feature_info, "submap"), 0xdead);
});

Deno.test("xen_version: build_id and commandline are EPERM for a domU, unknown sub-op ENOSYS", () => {
  const { hv, v } = one();
  putStruct(v, SCRATCH, V.xen_build_id, { len: 64 });
  assert.equal(rc(call(hv, v, XV, V.XENVER_build_id, SCRATCH)), -XEN_EPERM);
  assert.equal(rc(call(hv, v, XV, V.XENVER_commandline, SCRATCH)), -XEN_EPERM);
  assert.equal(rc(call(hv, v, XV, 11)), -XEN_ENOSYS);
  assert.equal(rc(call(hv, v, XV, 0xffff_ffff)), -XEN_ENOSYS);
});

Deno.test("xen_version: bad guest pointers are EFAULT and nothing is half-written", () => {
  const { hv, v } = one();
  for (const sub of [V.XENVER_extraversion, V.XENVER_capabilities, V.XENVER_compile_info]) {
    assert.equal(rc(call(hv, v, XV, sub, UNMAPPED)), -XEN_EFAULT, `sub-op ${sub}`);
    assert.equal(rc(call(hv, v, XV, sub, 0xffff_ffff_ffff_f000n)), -XEN_EFAULT, `sub-op ${sub}`);
  }
  assert.equal(rc(call(hv, v, XV, V.XENVER_get_features, UNMAPPED)), -XEN_EFAULT);
  assert.equal(rc(call(hv, v, XV, V.XENVER_platform_parameters, UNMAPPED)), -XEN_EFAULT);
  // capabilities (1 KiB) ending past the last page of RAM: all-or-nothing.
  const ramEnd = 0x4000_0000n + 16n * 1024n * 1024n;
  v.guest.write(ramEnd - 16n, new Uint8Array(16).fill(0x55));
  assert.equal(rc(call(hv, v, XV, V.XENVER_capabilities, ramEnd - 16n)), -XEN_EFAULT);
  assert.deepEqual(v.guest.read(ramEnd - 16n, 16), new Uint8Array(16).fill(0x55));
});

Deno.test("vm_assist: runstate_update_flag on and off; other types EINVAL, other commands ENOSYS", () => {
  const { hv, d, v } = one();
  const T = VMASST_TYPE_runstate_update_flag;
  assert.equal(rc(call(hv, v, __HYPERVISOR_vm_assist, VMASST_CMD_enable, T)), 0);
  assert.equal(d.runstateUpdateFlag, true);
  assert.equal(rc(call(hv, v, __HYPERVISOR_vm_assist, VMASST_CMD_disable, T)), 0);
  assert.equal(d.runstateUpdateFlag, false);
  // Both arguments are unsigned ints: high halves do not matter.
  assert.equal(rc(call(hv, v, __HYPERVISOR_vm_assist, 1n << 32n, (7n << 32n) | BigInt(T))), 0);
  assert.equal(d.runstateUpdateFlag, true);
  for (const type of [0, 1, 2, 3, 4, 6, 63, 64, 0xffff_ffff]) {
    assert.equal(rc(call(hv, v, __HYPERVISOR_vm_assist, VMASST_CMD_enable, type)), -XEN_EINVAL);
  }
  assert.equal(rc(call(hv, v, __HYPERVISOR_vm_assist, 2, T)), -XEN_ENOSYS);
  assert.equal(d.runstateUpdateFlag, true);
});

Deno.test("console_io: a domU gets EPERM; a consoleIo domain writes to its console", () => {
  const { hv, d, v } = one();
  v.guest.write(BigInt(SCRATCH), new TextEncoder().encode("hello, xen\n"));
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_write, 11, SCRATCH)), -XEN_EPERM);
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_read, 16, SCRATCH)), -XEN_EPERM);
  assert.equal(hv.console(d.id).text, "");
  d.consoleIo = true;
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_write, 11, SCRATCH)), 0);
  assert.equal(hv.console(d.id).text, "hello, xen\n");
  // The count is an unsigned int: the high half of x1 is ignored.
  assert.equal(
    rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_write, (1n << 32n) | 5n, SCRATCH)),
    0,
  );
  assert.equal(hv.console(d.id).text, "hello, xen\nhello");
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_write, 4, UNMAPPED)), -XEN_EFAULT);
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, CONSOLEIO_read, 16, SCRATCH)), 0);
  assert.equal(rc(call(hv, v, __HYPERVISOR_console_io, 7, 0, 0)), -XEN_ENOSYS);
  assert.equal(hv.console(d.id).text, "hello, xen\nhello");
});

Deno.test("hvm_op: get and set own parameters, DOMID_SELF or own id", () => {
  const { hv, d, v } = one();
  const get = (domid: number, index: number) => {
    putStruct(v, SCRATCH, xen_hvm_param, { domid, index, value: 0xdeadn });
    const r = rc(call(hv, v, __HYPERVISOR_hvm_op, HVMOP_get_param, SCRATCH));
    return { r, value: getField(v, SCRATCH, xen_hvm_param, "value") };
  };
  // The builder's values: the magic xenstore page, the event-channel PPI (31) callback.
  assert.deepEqual(get(DOMID_SELF, HVM_PARAM_STORE_PFN), {
    r: 0,
    value: BigInt(GUEST_MAGIC_BASE / 4096 + 1),
  });
  assert.equal(get(d.id, HVM_PARAM_CALLBACK_IRQ).value, d.hvmParams.get(HVM_PARAM_CALLBACK_IRQ));
  assert.equal((get(d.id, HVM_PARAM_CALLBACK_IRQ).value as bigint) >> 56n, 2n, "callback type PPI");
  const consolePort = get(DOMID_SELF, HVM_PARAM_CONSOLE_EVTCHN).value as bigint;
  assert.ok(consolePort > 0n);
  assert.equal(d.evtchn.channel(Number(consolePort))?.state, "host");
  // Unset parameters read 0.
  assert.deepEqual(get(DOMID_SELF, 30), { r: 0, value: 0n });
  putStruct(v, SCRATCH, xen_hvm_param, { domid: DOMID_SELF, index: 30, value: 0x1234n });
  assert.equal(rc(call(hv, v, __HYPERVISOR_hvm_op, HVMOP_set_param, SCRATCH)), 0);
  assert.equal(d.hvmParams.get(30), 0x1234n);
  assert.deepEqual(get(DOMID_SELF, 30), { r: 0, value: 0x1234n });
});

Deno.test("hvm_op: index >= HVM_NR_PARAMS EINVAL, other domain EPERM, no domain ESRCH", () => {
  const lab = hypLab({ domains: 2 });
  const { hv } = lab;
  const a = lab.doms[0].domain, b = lab.doms[1].domain, v = a.vcpus[0];
  const op = (cmd: number, domid: number, index: number) => {
    putStruct(v, SCRATCH, xen_hvm_param, { domid, index, value: 0x77n });
    return rc(call(hv, v, __HYPERVISOR_hvm_op, cmd, SCRATCH));
  };
  for (const cmd of [HVMOP_get_param, HVMOP_set_param]) {
    assert.equal(op(cmd, DOMID_SELF, HVM_NR_PARAMS), -XEN_EINVAL);
    assert.equal(op(cmd, DOMID_SELF, 0xffff_ffff), -XEN_EINVAL);
    assert.equal(op(cmd, b.id, HVM_PARAM_STORE_PFN), -XEN_EPERM);
    assert.equal(op(cmd, 77, HVM_PARAM_STORE_PFN), -XEN_ESRCH);
    assert.equal(rc(call(hv, v, __HYPERVISOR_hvm_op, cmd, UNMAPPED)), -XEN_EFAULT);
  }
  assert.equal(b.hvmParams.get(HVM_PARAM_STORE_PFN), BigInt(GUEST_MAGIC_BASE / 4096 + 1));
  // ARM has only get/set_param.
  for (const cmd of [2, 5, 10, 15, 25]) {
    assert.equal(rc(call(hv, v, __HYPERVISOR_hvm_op, cmd, SCRATCH)), -XEN_ENOSYS);
  }
});

Deno.test("multicall: each entry's result lands in it; nested multicall EINVAL", () => {
  const { hv, d, v } = one();
  const E = 64, base = BigInt(SCRATCH);
  const entries: bigint[][] = [
    [BigInt(XV), BigInt(V.XENVER_version)],
    [99n],
    [BigInt(__HYPERVISOR_multicall), base, 1n],
    [BigInt(__HYPERVISOR_vm_assist), 0n, BigInt(VMASST_TYPE_runstate_update_flag)],
    [BigInt(XV), BigInt(V.XENVER_extraversion), base + 0x1000n],
    [BigInt(XV), BigInt(V.XENVER_extraversion), UNMAPPED],
    [1n << 40n],
  ];
  entries.forEach((e, i) => {
    const words = [e[0], 0xaaaan, ...e.slice(1)];
    while (words.length < 8) words.push(0n);
    putU64s(v, base + BigInt(i * E), words);
  });
  assert.equal(rc(call(hv, v, __HYPERVISOR_multicall, base, entries.length)), 0);
  const result = (i: number) =>
    rc(new DataView(v.guest.read(base + BigInt(i * E) + 8n, 8).buffer).getBigUint64(0, true));
  assert.equal(result(0), 0x40011);
  assert.equal(result(1), -XEN_ENOSYS);
  assert.equal(result(2), -XEN_EINVAL);
  assert.equal(result(3), 0);
  assert.equal(d.runstateUpdateFlag, true);
  assert.equal(result(4), 0);
  assert.equal(getCString(v, base + 0x1000n, 16), ".7");
  assert.equal(result(5), -XEN_EFAULT);
  assert.equal(result(6), -XEN_ENOSYS);
  // The batch's calls count like single calls.
  assert.equal(v.hypercalls.get("multicall"), 1);
  assert.equal(v.hypercalls.get("xen_version/version"), 1);
  // A list that does not translate: EFAULT.
  assert.equal(rc(call(hv, v, __HYPERVISOR_multicall, UNMAPPED, 1)), -XEN_EFAULT);
  // Zero entries: nothing read.
  assert.equal(rc(call(hv, v, __HYPERVISOR_multicall, UNMAPPED, 0)), 0);
  assert.equal(rc(call(hv, v, __HYPERVISOR_multicall, base, 1 << 20)), -XEN_EINVAL);
});

Deno.test("unknown hypercalls and sub-ops: ENOSYS, logged as unimplemented, counted", () => {
  const { hv, d, v } = one();
  for (const nr of [0, 1, 6, 11, 19, 27, 33, 35, 36, 48, 55, 63, 64, 1000]) {
    const before = hv.logEntries.length;
    assert.equal(rc(call(hv, v, nr, 1, 2, 3)), -XEN_ENOSYS, `hypercall ${nr}`);
    const e = hv.logEntries.at(-1)!;
    assert.equal(hv.logEntries.length, before + 1);
    assert.equal(e.level, "unimplemented");
    assert.equal(e.domain, d.id);
    assert.match(e.msg, new RegExp(`hypercall ${nr}\\b`));
    assert.equal(v.hypercalls.get(`#${nr}`), 1);
  }
  assert.equal(rc(call(hv, v, __HYPERVISOR_memory_op, 63, SCRATCH)), -XEN_ENOSYS);
  assert.match(hv.logEntries.at(-1)!.msg, /memory_op sub-op 63/);
  assert.equal(hv.logEntries.at(-1)!.level, "unimplemented");
  assert.equal(v.hypercalls.get("memory_op/#63"), 1);
});
