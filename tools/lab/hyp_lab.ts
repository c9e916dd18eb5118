/**
 * A hypervisor lab for tests and scenario scripts: a real Hypervisor with domUs built by the real domain
 * builder from a tiny raw kernel (so shared_info, event channels, grant table, vGIC and runtime
 * are wired exactly as for Linux), a `call()` that runs the real dispatcher as the HVC exit path
 * does, helpers that lay out ABI structures in guest RAM (the guest MMU is off at reset, so a
 * guest virtual address equals its guest-physical address), and an assembler for small guests
 * that make real `hvc #0xea1` calls.
 */
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import type { DomainConfig } from "../../core/hyp/builder/domain_config.ts";
import {
  abiField,
  type AbiStruct,
  readAbiField,
  writeAbiField,
} from "../../core/hyp/abi/layout.ts";
import { dispatchHypercall } from "../../core/hyp/hypercall/dispatch.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";
import { P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";

/** Guest RAM starts here (GUEST_RAM0_BASE); the raw kernel is loaded at its first byte. */
export const RAM_BASE = 0x4000_0000;
/** A scratch area in a domU's RAM for argument structures (1 MiB past the kernel). */
export const SCRATCH = 0x4010_0000;
/** A scratch area in the privileged domain's RAM. */
export const SCRATCH0 = 0x4008_0000;
/** `wfi; b <the wfi>`: a guest that sleeps forever (AArch64 encodings). */
export const IDLE_KERNEL = new Uint8Array(new Uint32Array([0xd503207f, 0x17ffffff]).buffer);

/** Options of a lab. */
export interface LabOptions {
  /** Number of domUs (default 1). */
  domains?: number;
  /** RAM of each domU in MiB (default 16). */
  memoryMiB?: number;
  /** maxmem of each domU in MiB (default memoryMiB + 4: room for the balloon). */
  maxmemMiB?: number;
  /** vcpus of each domU (default 1). */
  vcpus?: number;
  /** The raw kernel image (default IDLE_KERNEL). */
  kernel?: Uint8Array;
}

/** A hypervisor with built domUs. */
export interface HypLab {
  hv: Hypervisor;
  /** The domUs in build order (named d0, d1...; ids as the hypervisor gives them). */
  doms: BuiltDomain[];
}

/** The DomainConfig of a small raw-kernel domU. */
export function labConfig(name: string, opts: LabOptions = {}): DomainConfig {
  const memory = opts.memoryMiB ?? 16;
  const vcpus = opts.vcpus ?? 1;
  return {
    name,
    type: "pvh",
    memory,
    maxmem: opts.maxmemMiB ?? memory + 4,
    vcpus,
    maxvcpus: vcpus,
    kernel: `${name}.bin`,
    kernelFormat: "raw",
    gicVersion: "v2",
    onPoweroff: "destroy",
    onReboot: "destroy",
    onCrash: "destroy",
    onWatchdog: "destroy",
  };
}

/** Builds one more domU named `name` in `hv` from a raw kernel. */
export function addLabDomain(hv: Hypervisor, name: string, opts: LabOptions = {}): BuiltDomain {
  const cfg = labConfig(name, opts);
  const kernel = probeGuestKernel(cfg.kernel, opts.kernel ?? IDLE_KERNEL, "raw");
  return buildDomain(hv, cfg, { kernel });
}

/** A new hypervisor with `opts.domains` domUs named d0, d1... */
export function hypLab(opts: LabOptions = {}): HypLab {
  const hv = new Hypervisor({ pcpus: 2 });
  const doms = Array.from({ length: opts.domains ?? 1 }, (_, i) => addLabDomain(hv, `d${i}`, opts));
  return { hv, doms };
}

/**
 * A privileged domain ("dom0") with 1 MiB of RAM at RAM_BASE, a shared_info page and one vcpu,
 * for calls that act on other domains. The domain builder makes only domUs, so this one has no
 * event channels, grant table, vGIC or runtime: use it only for calls that do not touch its own
 * (hypercalls that name another domain, xen_version, console_io, sched_op).
 */
export function addPrivilegedDomain(hv: Hypervisor, name = "dom0"): Vcpu {
  const d = hv.createDomain(name, { privileged: true });
  const pages = 256;
  d.p2m.map(RAM_BASE / 4096, hv.frames.allocRange(pages), pages, P2M_RWX, P2M_TYPE.ram);
  d.ramPages = d.maxPages = pages;
  d.sharedInfoMfn = hv.frames.alloc();
  d.phys.write(RAM_BASE, IDLE_KERNEL);
  const v = hv.createVcpu(d, 0);
  hv.cpuOn(v, BigInt(RAM_BASE), 0n);
  return v;
}

/** Runs hypercall `nr` for `vcpu` through the real dispatcher; the raw 64-bit x0. */
export function call(hv: Hypervisor, vcpu: Vcpu, nr: number, ...args: (bigint | number)[]): bigint {
  const d = hv.domain(vcpu.domainId);
  if (d === undefined) throw new Error(`vcpu of a missing domain ${vcpu.domainId}`);
  const a = Array.from({ length: 5 }, (_, i) => BigInt.asUintN(64, BigInt(args[i] ?? 0)));
  return dispatchHypercall(hv.table, { hv, domain: d, vcpu, guest: vcpu.guest }, nr, a);
}

/** A hypercall result as a signed number (0, a count, or -errno). */
export function rc(x0: bigint): number {
  return Number(BigInt.asIntN(64, x0));
}

/** Writes a zeroed `s` with `fields` set at guest address `gpa` of `vcpu`'s domain. */
export function putStruct(
  vcpu: Vcpu,
  gpa: number | bigint,
  s: AbiStruct,
  fields: Record<string, number | bigint>,
): void {
  const dv = new DataView(new ArrayBuffer(s.size));
  for (const [k, v] of Object.entries(fields)) writeAbiField(dv, 0, abiField(s, k), v);
  vcpu.guest.writeStruct(BigInt(gpa), dv);
}

/** Reads field `name` of `s` at guest address `gpa` of `vcpu`'s domain. */
export function getField(
  vcpu: Vcpu,
  gpa: number | bigint,
  s: AbiStruct,
  name: string,
): number | bigint {
  const dv = vcpu.guest.readStruct(BigInt(gpa), s.size);
  return readAbiField(dv, 0, abiField(s, name));
}

/** Writes little-endian u64 values at `gpa`. */
export function putU64s(vcpu: Vcpu, gpa: number | bigint, values: (number | bigint)[]): void {
  const dv = new DataView(new ArrayBuffer(8 * values.length));
  values.forEach((v, i) => dv.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(v)), true));
  vcpu.guest.writeStruct(BigInt(gpa), dv);
}

/** Reads `n` bytes at guest address `gpa` as text up to the first NUL. */
export function getCString(vcpu: Vcpu, gpa: number | bigint, n: number): string {
  const b = vcpu.guest.read(BigInt(gpa), n);
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

/**
 * Assembles AArch64 `source` (GNU as syntax, text section only, position-independent) into raw
 * bytes with aarch64-linux-gnu-as and objcopy, for a kernelFormat "raw" guest.
 */
export function assembleRaw(source: string): Uint8Array {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_hyp_" });
  try {
    Deno.writeTextFileSync(`${dir}/k.S`, `  .text\n${source}\n`);
    const run = (cmd: string, args: string[]) => {
      const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
      if (!r.success) {
        throw new Error(`${cmd} failed:\n${new TextDecoder().decode(r.stderr)}`);
      }
    };
    run("aarch64-linux-gnu-as", ["-o", `${dir}/k.o`, `${dir}/k.S`]);
    run("aarch64-linux-gnu-objcopy", ["-O", "binary", "-j", ".text", `${dir}/k.o`, `${dir}/k.bin`]);
    return Deno.readFileSync(`${dir}/k.bin`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** True when the cross assembler is installed (tests that need it skip otherwise). */
export function haveCrossAs(): boolean {
  return haveTool("aarch64-linux-gnu-as");
}

/** True when the cross compiler (aarch64-linux-gnu-gcc) can be run. */
export function haveCrossGcc(): boolean {
  return haveTool("aarch64-linux-gnu-gcc");
}

function haveTool(name: string): boolean {
  try {
    return new Deno.Command(name, { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}
