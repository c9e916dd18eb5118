/**
 * xen_version (hypercall 17): what Xen 4.17 on ARM tells an unprivileged guest. Values a Linux
 * domU shows in /sys/hypervisor come from here; they match real Xen 4.17 on QEMU virt
 * (tests/fixtures/xen417/gic2.domu1.txt), except the compile information, which names hvlab.
 */
import { __HYPERVISOR_xen_version } from "../abi/hypercalls.ts";
import { XEN_EINVAL, XEN_EPERM } from "../abi/errno.ts";
import * as V from "../abi/xen_version.ts";
import type { HypercallDef, SubOpDef } from "./table.ts";
import { XenError } from "../xen_error.ts";

/** XENVER_capabilities on arm64 (with its trailing space, as Xen builds the string). */
const CAPABILITIES = "xen-3.0-aarch64 xen-3.0-armv7l ";
/** XENVER_platform_parameters.virt_start on arm64 (XEN_VIRT_START). */
const VIRT_START = 0x20_0000n;
/** Feature submap 0 for a domU on ARM: writable_page_tables, auto_translated_physmap,
 * memory_op_vnode_supported, ARM_SMCCC_supported, not_direct_mapped. */
const FEATURES_0 = (1 << V.XENFEAT_writable_page_tables) |
  (1 << V.XENFEAT_auto_translated_physmap) | (1 << V.XENFEAT_memory_op_vnode_supported) |
  (1 << V.XENFEAT_ARM_SMCCC_supported) | (1 << V.XENFEAT_not_direct_mapped);

const enc = new TextEncoder();

/** A NUL-padded C string of `size` bytes (truncated to leave the NUL). */
function cString(s: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(enc.encode(s).subarray(0, size - 1));
  return out;
}

const subops: SubOpDef[] = [
  {
    cmd: V.XENVER_version,
    name: "version",
    run: (c) => (c.hv.version.major << 16) | c.hv.version.minor,
  },
  {
    cmd: V.XENVER_extraversion,
    name: "extraversion",
    run: (c, a) => {
      c.guest.write(a[1], cString(c.hv.version.extra, V.XEN_EXTRAVERSION_LEN));
      return 0;
    },
  },
  {
    cmd: V.XENVER_compile_info,
    name: "compile_info",
    run: (c, a) => {
      const b = new Uint8Array(V.xen_compile_info.size);
      b.set(cString("hvlab (TypeScript)", 64), 0);
      b.set(cString("hvlab", 16), 64);
      b.set(cString("hvlab", 32), 80);
      b.set(cString("", 32), 112);
      c.guest.write(a[1], b);
      return 0;
    },
  },
  {
    cmd: V.XENVER_capabilities,
    name: "capabilities",
    run: (c, a) => {
      c.guest.write(a[1], cString(CAPABILITIES, V.XEN_CAPABILITIES_INFO_LEN));
      return 0;
    },
  },
  {
    cmd: V.XENVER_changeset,
    name: "changeset",
    run: (c, a) => {
      c.guest.write(a[1], cString("", V.XEN_CHANGESET_INFO_LEN));
      return 0;
    },
  },
  {
    cmd: V.XENVER_platform_parameters,
    name: "platform_parameters",
    run: (c, a) => {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setBigUint64(0, VIRT_START, true);
      c.guest.writeStruct(a[1], dv);
      return 0;
    },
  },
  {
    cmd: V.XENVER_get_features,
    name: "get_features",
    run: (c, a) => {
      const dv = c.guest.readStruct(a[1], V.xen_feature_info.size);
      const idx = dv.getUint32(0, true);
      if (idx >= V.XENFEAT_NR_SUBMAPS) throw new XenError(XEN_EINVAL, `feature submap ${idx}`);
      dv.setUint32(4, FEATURES_0, true);
      c.guest.writeStruct(a[1], dv);
      return 0;
    },
  },
  { cmd: V.XENVER_pagesize, name: "pagesize", run: () => 4096 },
  {
    cmd: V.XENVER_guest_handle,
    name: "guest_handle",
    run: (c, a) => {
      c.guest.write(a[1], new Uint8Array(16));
      return 0;
    },
  },
  {
    cmd: V.XENVER_commandline,
    name: "commandline",
    run: (c) => {
      if (!c.domain.privileged) throw new XenError(XEN_EPERM, "commandline needs privilege");
      return 0;
    },
  },
  {
    cmd: V.XENVER_build_id,
    name: "build_id",
    run: () => {
      // Xen's XSM policy denies the build id to unprivileged domains; hvlab has none to give.
      throw new XenError(XEN_EPERM, "build_id is not available");
    },
  },
];

/** The xen_version row. */
export const xenVersionHypercall: HypercallDef = {
  nr: __HYPERVISOR_xen_version,
  name: "xen_version",
  doc: "version, features and build facts of the hypervisor",
  subops,
};
