/**
 * The per-domain xenstore layout the toolstack (libxl's domain create and build) writes for a
 * domU: /local/domain/<N> readable by the guest but owned by dom0, the guest-owned writable
 * nodes (control/shutdown, control/feature-*, data, drivers, ...), /vm/<uuid>, memory and vcpu
 * keys and, when known, the store and primary console ring details.
 *
 * @module
 */

import { XEN_ENOENT } from "../abi/errno.ts";
import { XenError } from "../xen_error.ts";
import { homePath } from "./xs_path.ts";

/** What populateDomain() writes. */
export interface XsDomainInfo {
  /** Domain name (/local/domain/N/name, /vm/<uuid>/name). */
  readonly name: string;
  /** Number of vcpus (cpu/K/availability = online). */
  readonly vcpus: number;
  /** Current memory target in KiB (memory/target). */
  readonly memoryKiB: number;
  /** Maximum memory in KiB (memory/static-max); defaults to memoryKiB. */
  readonly maxMemoryKiB?: number;
  /** The VM's UUID; defaults to one derived from the domid. */
  readonly uuid?: string;
  /** Start time string for /vm/<uuid>/start_time (deterministic default "0.00"). */
  readonly startTime?: string;
  /** The xenstore ring: event channel port and frame (store/port, store/ring-ref). */
  readonly store?: { readonly port: number; readonly ringRef: number | bigint };
  /** The primary PV console: event channel port, ring frame, back end domain (default 0). */
  readonly console?: {
    readonly port: number;
    readonly ringRef: number | bigint;
    readonly backendDomid?: number;
  };
}

/** The host operations the layout needs. */
export interface XsLayoutWriter {
  /** Removes a subtree (ENOENT when its parent is missing too). */
  rm(path: string): void;
  /** Creates a node with `perms` (wire strings). */
  mkdir(path: string, perms?: readonly string[]): void;
  /** Writes a value, optionally setting `perms`. */
  write(path: string, value: string, perms?: readonly string[]): void;
}

/** libxl's console "limit" (bytes of buffered output). */
const CONSOLE_LIMIT = "1048576";

/** The default UUID of domain `domid`. */
export function defaultUuid(domid: number): string {
  return `00000000-0000-0000-0000-${domid.toString(16).padStart(12, "0")}`;
}

/** Writes the layout of domain `domid`. */
export function writeDomainLayout(xs: XsLayoutWriter, domid: number, info: XsDomainInfo): void {
  const dom = homePath(domid);
  const vm = `/vm/${info.uuid ?? defaultUuid(domid)}`;
  // dom0 owns; the guest may read. Guest-owned nodes below may be written by the guest.
  const ro = ["n0", `r${domid}`];
  const rw = [`n${domid}`];
  clear(xs, dom);
  xs.mkdir(dom, ro);
  clear(xs, vm);
  xs.mkdir(vm, ro);
  xs.write(`${dom}/vm`, vm);
  xs.write(`${dom}/name`, info.name);
  xs.write(`${dom}/control/platform-feature-multiprocessor-suspend`, "1");
  xs.write(`${dom}/control/platform-feature-xs_reset_watches`, "1");
  for (const d of ["cpu", "memory", "device", "control"]) xs.mkdir(`${dom}/${d}`, ro);
  for (const c of ["shutdown", "feature-poweroff", "feature-reboot", "feature-suspend"]) {
    xs.mkdir(`${dom}/control/${c}`, rw);
  }
  for (const c of ["feature-s3", "feature-s4", "sysrq"]) xs.mkdir(`${dom}/control/${c}`, rw);
  for (const d of ["data", "drivers", "feature", "attr", "error"]) xs.mkdir(`${dom}/${d}`, rw);
  xs.write(`${vm}/uuid`, info.uuid ?? defaultUuid(domid));
  xs.write(`${vm}/name`, info.name);
  xs.write(`${vm}/start_time`, info.startTime ?? "0.00");
  // What the domain builder adds once memory, vcpus and the store ring exist.
  xs.write(`${dom}/memory/static-max`, String(info.maxMemoryKiB ?? info.memoryKiB));
  xs.write(`${dom}/memory/target`, String(info.memoryKiB));
  xs.write(`${dom}/memory/videoram`, "0");
  xs.write(`${dom}/domid`, String(domid));
  if (info.store !== undefined) {
    xs.write(`${dom}/store/port`, String(info.store.port));
    xs.write(`${dom}/store/ring-ref`, String(info.store.ringRef));
  }
  for (let i = 0; i < info.vcpus; i++) xs.write(`${dom}/cpu/${i}/availability`, "online");
  if (info.console !== undefined) writeConsole(xs, domid, info.console);
}

/** Removes a leftover subtree; nothing to do when it (or its parent) is missing. */
function clear(xs: XsLayoutWriter, path: string): void {
  try {
    xs.rm(path);
  } catch (e) {
    if (!(e instanceof XenError) || e.errno !== XEN_ENOENT) throw e;
  }
}

/** The primary console's front end: a guest-owned directory of back-end-owned, read-only keys. */
function writeConsole(
  xs: XsLayoutWriter,
  domid: number,
  c: NonNullable<XsDomainInfo["console"]>,
): void {
  const be = c.backendDomid ?? 0;
  const dir = `${homePath(domid)}/console`;
  xs.mkdir(dir, [`n${domid}`, `r${be}`]);
  const ro = [`n${be}`, `r${domid}`];
  const keys: [string, string][] = [
    ["backend-id", String(be)],
    ["limit", CONSOLE_LIMIT],
    ["type", "xenconsoled"],
    ["output", "pty"],
    ["tty", ""],
    ["port", String(c.port)],
    ["ring-ref", String(c.ringRef)],
  ];
  for (const [k, v] of keys) xs.write(`${dir}/${k}`, v, ro);
}
