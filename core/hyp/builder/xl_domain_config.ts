/**
 * An xl.cfg (parsed by xl_cfg.ts) turned into a DomainConfig with xl's semantics (Xen 4.17
 * tools/xl/xl_parse.c parse_config_data): defaults, cmdline from cmdline= or root=/extra=,
 * shutdown action names, cpus= ranges.
 *
 * hvlab is stricter than xl: xl ignores keys it does not know, and hvlab rejects them, as it
 * rejects the xl keys it does not implement (devices, passthrough, scheduling, ...), so that a
 * config never silently means less than it says. Wrong types and out-of-range values are errors
 * naming the key, the value and the line; the first problem stops the conversion.
 */
import { GUEST_MAX_VCPUS } from "../abi/arm_memory_map.ts";
import {
  type CpuSet,
  DEFAULT_MEMORY_MIB,
  type DomainConfig,
  MAX_MEMORY_MIB,
  MAX_PCPU,
  SHUTDOWN_ACTIONS,
  type ShutdownAction,
} from "./domain_config.ts";
import { type XlConfig, xlNumber, type XlSetting, type XlValue } from "./xl_cfg.ts";

/** The xl.cfg keys hvlab implements. */
export const SUPPORTED_XL_KEYS = [
  "name",
  "type",
  "memory",
  "maxmem",
  "vcpus",
  "maxvcpus",
  "kernel",
  "ramdisk",
  "cmdline",
  "root",
  "extra",
  "vuart",
  "gic_version",
  "on_poweroff",
  "on_reboot",
  "on_crash",
  "on_watchdog",
  "cpus",
  "cpus_soft",
] as const;

/** xl.cfg(5) keys hvlab knows but does not implement (named as such in the error). */
const UNSUPPORTED_XL_KEYS = new Set([
  "uuid",
  "seclabel",
  "init_seclabel",
  "pool",
  "cpu_weight",
  "cap",
  "vnuma",
  "on_soft_reset",
  "builder",
  "bootloader",
  "bootloader_args",
  "device_tree",
  "dtdev",
  "iomem",
  "irqs",
  "disk",
  "vif",
  "vtpm",
  "p9",
  "pvcalls",
  "vfb",
  "vkb",
  "vdispl",
  "vsnd",
  "channel",
  "connectors",
  "pci",
  "pci_permissive",
  "pci_msitranslate",
  "pci_seize",
  "pci_power_mgmt",
  "rdm",
  "usbctrl",
  "usbdev",
  "tee",
  "passthrough",
  "max_grant_frames",
  "max_maptrack_frames",
  "max_grant_version",
  "max_event_channels",
  "nomigrate",
  "driver_domain",
  "claim_mode",
  "dm_restrict",
  "device_model_version",
  "device_model_override",
  "device_model_user",
  "device_model_args",
  "vcpu_hard_affinity",
  "vcpu_soft_affinity",
  "localtime",
  "rtc_timeoffset",
  "vga",
  "vnc",
  "sdl",
  "serial",
  "usb",
  "acpi",
  "hap",
  "nestedhvm",
  "altp2m",
  "vpmu",
  "cpuid",
  "sched",
  "shadow_memory",
  "xen_platform_pci",
  "e820_host",
]);

/** xl's vuart values on Arm (libxl_vuart_type, "unknown" meaning none). */
const VUART_TYPES = ["sbsa_uart"];

/**
 * Converts a parsed xl.cfg into a DomainConfig. Relative kernel/ramdisk paths are resolved
 * against `baseDir` (the directory of the xl.cfg, as `xl create` users expect). Throws an Error
 * naming `cfg.source`, the line, the key and the bad value.
 */
export function domainConfigFromXl(cfg: XlConfig, baseDir: string): DomainConfig {
  const src = cfg.source;
  const s = cfg.settings;
  const fail = (set: XlSetting, what: string): never => {
    throw new Error(`${src} line ${set.line}: ${what}`);
  };
  for (const set of Object.values(s)) {
    if ((SUPPORTED_XL_KEYS as readonly string[]).includes(set.key)) continue;
    const supported = `supported: ${SUPPORTED_XL_KEYS.join(", ")}`;
    fail(
      set,
      UNSUPPORTED_XL_KEYS.has(set.key)
        ? `key "${set.key}" is not supported by hvlab (${supported})`
        : `unknown key "${set.key}" (xl ignores unknown keys, hvlab rejects them; ${supported})`,
    );
  }
  const str = (key: string): string | undefined => {
    const set = s[key];
    if (!set) return undefined;
    if (set.value.kind !== "atom") fail(set, `key "${key}" must be a single value, not a list`);
    return (set.value as { text: string }).text;
  };
  const int = (key: string, min: number, max: number): number | undefined => {
    const text = str(key);
    if (text === undefined) return undefined;
    const v = xlNumber(text);
    if (v === undefined) fail(s[key], `key "${key}": ${JSON.stringify(text)} is not a number`);
    if (v! < min || v! > max) {
      fail(s[key], `key "${key}": ${v} is outside ${min}..${max}`);
    }
    return v!;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], dflt: T): T => {
    const text = str(key);
    if (text === undefined) return dflt;
    if (!(allowed as readonly string[]).includes(text)) {
      fail(
        s[key],
        `key "${key}": ${JSON.stringify(text)} is not one of ${allowed.join(", ")}`,
      );
    }
    return text as T;
  };

  const name = str("name");
  if (name === undefined) throw new Error(`${src}: key "name" is required`);
  if (name === "") fail(s.name, `key "name" must not be empty`);

  const type = str("type");
  if (type !== undefined && type !== "pvh") {
    fail(
      s.type,
      `key "type": ${JSON.stringify(type)} is not available on Arm (xl on Arm builds "pvh" guests)`,
    );
  }

  const memoryOpt = int("memory", 1, MAX_MEMORY_MIB);
  const maxmemOpt = int("maxmem", 1, MAX_MEMORY_MIB);
  // libxl: a missing maxmem follows memory; a missing memory follows maxmem; neither is 32 MiB.
  const memory = memoryOpt ?? maxmemOpt ?? DEFAULT_MEMORY_MIB;
  const maxmem = maxmemOpt ?? memory;
  if (maxmem < memory) fail(s.maxmem, `key "maxmem": ${maxmem} is less than memory (${memory})`);

  const vcpus = int("vcpus", 1, GUEST_MAX_VCPUS) ?? 1;
  const maxvcpus = int("maxvcpus", 1, GUEST_MAX_VCPUS) ?? vcpus;
  if (maxvcpus < vcpus) {
    fail(s.maxvcpus, `key "maxvcpus": ${maxvcpus} is less than vcpus (${vcpus})`);
  }

  const kernel = str("kernel");
  if (kernel === undefined) throw new Error(`${src}: key "kernel" is required`);
  if (kernel === "") fail(s.kernel, `key "kernel" must not be empty`);
  const ramdisk = str("ramdisk");
  if (ramdisk === "") fail(s.ramdisk, `key "ramdisk" must not be empty`);

  const vuart = str("vuart");
  if (vuart !== undefined && !VUART_TYPES.includes(vuart)) {
    fail(s.vuart, `key "vuart": ${JSON.stringify(vuart)} is not one of ${VUART_TYPES.join(", ")}`);
  }
  const gic = str("gic_version");
  if (gic !== undefined && gic !== "v2" && gic !== "v3") {
    fail(
      s.gic_version,
      `key "gic_version": ${JSON.stringify(gic)} is not "v2" or "v3"` +
        (gic === "native" ? ' (hvlab has no host GIC for "native" to copy)' : ""),
    );
  }

  const cfgOut: DomainConfig = {
    name,
    type: "pvh",
    memory,
    maxmem,
    vcpus,
    maxvcpus,
    kernel: resolvePath(baseDir, kernel),
    kernelFormat: "auto",
    gicVersion: (gic ?? "v2") as "v2" | "v3",
    onPoweroff: oneOf<ShutdownAction>("on_poweroff", SHUTDOWN_ACTIONS, "destroy"),
    onReboot: oneOf<ShutdownAction>("on_reboot", SHUTDOWN_ACTIONS, "restart"),
    onCrash: oneOf<ShutdownAction>("on_crash", SHUTDOWN_ACTIONS, "destroy"),
    onWatchdog: oneOf<ShutdownAction>("on_watchdog", SHUTDOWN_ACTIONS, "destroy"),
  };
  if (ramdisk !== undefined) cfgOut.ramdisk = resolvePath(baseDir, ramdisk);
  const cmdline = xlCmdline(str("cmdline"), str("root"), str("extra"));
  if (cmdline !== undefined) cfgOut.cmdline = cmdline;
  if (vuart !== undefined) cfgOut.vuart = "sbsa_uart";
  for (const [key, field] of [["cpus", "cpus"], ["cpus_soft", "cpusSoft"]] as const) {
    const set = s[key];
    if (set) cfgOut[field] = affinity(set, maxvcpus, (what) => fail(set, `key "${key}": ${what}`));
  }
  return cfgOut;
}

/** xl's parse_cmdline: cmdline= wins; else "root=<root> <extra>", either part optional. */
function xlCmdline(cmdline?: string, root?: string, extra?: string): string | undefined {
  if (cmdline !== undefined) return cmdline;
  if (root !== undefined && extra !== undefined) return `root=${root} ${extra}`;
  if (root !== undefined) return `root=${root}`;
  return extra;
}

/**
 * xl's parse_vcpu_affinity: a string applies to every vCPU (up to maxvcpus); a list gives one
 * set per vCPU. xl drops list entries past maxvcpus silently; hvlab rejects them.
 */
function affinity(set: XlSetting, maxvcpus: number, fail: (what: string) => never): CpuSet[] {
  const v = set.value;
  if (v.kind === "atom") return Array.from({ length: maxvcpus }, () => parseCpuSet(v.text, fail));
  if (v.items.length > maxvcpus) {
    fail(`${v.items.length} entries for ${maxvcpus} vCPU(s)`);
  }
  return v.items.map((item: XlValue) => {
    if (item.kind !== "atom") fail("a list entry is itself a list");
    return parseCpuSet((item as { text: string }).text, fail);
  });
}

/**
 * xl's parse_cpurange: comma-separated "N", "N-M", "all", each optionally prefixed "^" to
 * remove; applied left to right. NUMA "node:"/"nodes:" forms are rejected: hvlab has no NUMA.
 */
export function parseCpuSet(text: string, fail: (what: string) => never): CpuSet {
  let all = false;
  // With `all` false this holds the included CPUs, with `all` true the excluded ones.
  const set = new Set<number>();
  for (const part of text.split(",")) {
    if (part === "") continue; // strtok_r skips empty fields
    const remove = part.startsWith("^");
    const body = remove ? part.slice(1) : part;
    if (/^nodes?:/.test(body)) fail(`${JSON.stringify(part)}: NUMA nodes are not supported`);
    if (body === "all") {
      if (remove) fail(`can't combine "^" and "all"`);
      all = true;
      set.clear();
      continue;
    }
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(body);
    const a = m ? Number(m[1]) : NaN, b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!m || b < a) fail(`invalid pcpu range ${JSON.stringify(part)}`);
    if (b > MAX_PCPU) fail(`pcpu ${b} above ${MAX_PCPU}`);
    for (let c = a; c <= b; c++) {
      if (remove !== all) set.delete(c);
      else set.add(c);
    }
  }
  if (!all && set.size === 0) fail(`${JSON.stringify(text)} selects no CPU`);
  return { all, cpus: [...set].sort((x, y) => x - y) };
}

/** `path` resolved against `baseDir` (POSIX), "." and ".." segments folded. */
export function resolvePath(baseDir: string, path: string): string {
  const joined = path.startsWith("/") ? path : `${baseDir.replace(/\/+$/, "")}/${path}`;
  const out: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  const abs = joined.startsWith("/");
  return (abs ? "/" : "") + out.join("/") || ".";
}
