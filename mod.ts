/**
 * hvlab: a scriptable laboratory for Xen-on-ARM hypervisor designs. This module is the public
 * API shared by the REPL, `deno run` scenario scripts and `deno test`.
 *
 * @example Run a bare-metal guest on the QEMU-virt-like board
 * ```ts
 * import { VirtBoard } from "./mod.ts";
 * const board = new VirtBoard();
 * board.loadElf(await Deno.readFile("guests/build/integer.elf"));
 * const r = board.run({ maxInstructions: 50_000_000 });
 * console.log(r.reason, board.console);
 * ```
 * @module
 */

/**
 * One AArch64 processing element (EL0/EL1; EL2 is TypeScript): `run(budget)` returns an Exit.
 *
 * @example
 * ```ts
 * import { a64Decoder, Cpu, PhysMemory } from "./mod.ts";
 * const mem = new PhysMemory();
 * mem.addRam("ram", 0x40000000, 1 << 20);
 * const cpu = new Cpu({ mem, io: () => { throw new Error("no devices"); }, counter: () => 0 }, a64Decoder());
 * mem.write(0x40000000, new Uint8Array([0x20, 0x00, 0x80, 0xd2])); // mov x0, #1
 * cpu.pc = 0x40000000n;
 * cpu.run(1);
 * console.log(cpu.getX(0)); // 1n
 * ```
 */
export { Cpu, type CpuEnv } from "./core/cpu/cpu.ts";

/**
 * Why `Cpu.run()` returned (HVC, SMC, WFI, stage-2 abort, trapped sysreg, budget...).
 *
 * @example
 * ```ts
 * import type { Exit } from "./mod.ts";
 * const describe = (x: Exit) => `${x.kind} esr=0x${x.esr.toString(16)}`;
 * ```
 */
export type { Exit, ExitKind } from "./core/cpu/exit.ts";

/**
 * The shared decoder over the whole A64 decode table.
 *
 * @example
 * ```ts
 * import { a64Decoder } from "./mod.ts";
 * console.log(a64Decoder().decode(0x91000400)?.row.def.name); // "ADDSUB_imm"
 * ```
 */
export { A64_TABLE, a64Decoder } from "./core/cpu/decode/table.ts";

/**
 * objdump-style disassembly of one instruction word, from the decode table.
 *
 * @example
 * ```ts
 * import { disassemble } from "./mod.ts";
 * console.log(disassemble(0x91000400, 0x40000000n)); // "add\tx0, x0, #0x1"
 * ```
 */
export { disassemble } from "./core/cpu/disasm.ts";

/**
 * Sparse guest-physical RAM, allocated page by page on first touch.
 *
 * @example
 * ```ts
 * import { PhysMemory } from "./mod.ts";
 * const mem = new PhysMemory();
 * mem.addRam("ram", 0x40000000, 256 << 20);
 * mem.write(0x40001000, new Uint8Array([1, 2, 3]));
 * console.log(mem.touchedPages); // 1
 * ```
 */
export { PhysMemory } from "./core/mem/phys_memory.ts";

/**
 * The MMIO bus: devices mapped at non-overlapping ranges, seeing only offsets.
 *
 * @example
 * ```ts
 * import { MmioBus } from "./mod.ts";
 * const bus = new MmioBus();
 * bus.map(0x09000000, 0x1000, { name: "dummy", access: (a) => (a.value = 0, "done") });
 * ```
 */
export {
  type MmioAccess,
  MmioBus,
  type MmioDevice,
  type MmioOutcome,
} from "./core/mem/mmio_bus.ts";

/**
 * A bare-metal board laid out like QEMU's `-M virt`: RAM at 1 GiB, GICv2 (GICv3 with
 * `{ gic: "v3" }`, as `-M virt,gic-version=3`), PL011, generic timer, PSCI over HVC, virtual time.
 *
 * @example
 * ```ts
 * import { VirtBoard } from "./mod.ts";
 * const board = new VirtBoard({ ramSize: 64 << 20 });
 * board.loadRaw(new Uint8Array([0x00, 0x00, 0x00, 0x14])); // b .
 * board.run({ maxInstructions: 1000 });
 * ```
 */
export { VirtBoard } from "./core/machine/virt_board.ts";

/**
 * A user-mode process like qemu-aarch64: a static ELF at EL0 with write/exit system calls.
 *
 * @example
 * ```ts
 * import { UserProcess } from "./mod.ts";
 * const p = new UserProcess(await Deno.readFile("hello"));
 * console.log(p.run(1e7), new TextDecoder().decode(p.output()));
 * ```
 */
export { UserProcess } from "./core/machine/user_process.ts";

/**
 * Parses an AArch64 ELF64 executable (segments, entry, symbols); bad input names the field.
 *
 * @example
 * ```ts
 * import { parseElf } from "./mod.ts";
 * const elf = parseElf(await Deno.readFile("guests/build/integer.elf"));
 * console.log(elf.entry.toString(16));
 * ```
 */
export { parseElf } from "./core/machine/elf.ts";

/**
 * Boots an arm64 Linux Image on a VirtBoard as QEMU's `-kernel/-initrd/-append` does (the
 * board's device tree, QEMU's placement, X0 = DTB); `parseLinuxImage` checks an Image header.
 *
 * @example
 * ```ts
 * import { bootLinuxOnVirt, VirtBoard } from "./mod.ts";
 * const board = new VirtBoard({ ramSize: 256 << 20 });
 * bootLinuxOnVirt(board, { image: await Deno.readFile("Image"), bootargs: "console=ttyAMA0" });
 * board.run({ maxInstructions: 2e9, until: (c) => c.includes("Run /init") });
 * ```
 */
export { bootLinuxOnVirt } from "./core/machine/virt_linux_boot.ts";
export { type LinuxImageHeader, parseLinuxImage } from "./core/machine/linux_boot.ts";

/**
 * The Xen-compatible hypervisor: domains and vcpus (each vcpu its own emulated PE at EL1/EL0),
 * physical CPUs on a deterministic virtual time line, Xen 4.17's guest ABI (hypercalls, event
 * channels, grant tables, xenstore, PV console, vGIC v2/v3, vpl011, PSCI).
 *
 * @example Boot a domU from an xl.cfg-style config and watch its console
 * ```ts
 * import { buildDomain, Hypervisor, loadGuestImages } from "./mod.ts";
 * const hv = new Hypervisor({ pcpus: 2 });
 * const cfg = {
 *   name: "linux", type: "pvh", memory: 256, maxmem: 256, vcpus: 1, maxvcpus: 1,
 *   kernel: "Image", kernelFormat: "auto", ramdisk: "initrd.cpio",
 *   cmdline: "console=hvc0 rdinit=/init", gicVersion: "v2",
 *   onPoweroff: "destroy", onReboot: "destroy", onCrash: "destroy", onWatchdog: "destroy",
 * } as const;
 * const built = buildDomain(hv, cfg, await loadGuestImages(cfg, Deno.readFile));
 * hv.console(built.domain.id).listeners.push((b) => Deno.stdout.writeSync(b));
 * console.log(hv.run({ maxCycles: 4e9 }).reason); // "all-shutdown" after poweroff
 * ```
 */
export { type HvStopReason, Hypervisor, type HypervisorConfig } from "./core/hyp/hypervisor.ts";
export { Domain } from "./core/hyp/domain.ts";
export { Vcpu } from "./core/hyp/vcpu.ts";

/**
 * Builds a domU the way Xen 4.17's dom0less builder lays one out (RAM banks, magic pages,
 * shared_info, grant table, event channels, xenstore, consoles, vGIC, device tree, images).
 *
 * @example
 * ```ts
 * import { buildDomain, Hypervisor, loadGuestImages } from "./mod.ts";
 * // See the Hypervisor example for a complete config.
 * ```
 */
export { buildDomain, type BuiltDomain } from "./core/hyp/builder/domain_builder.ts";
export type { DomainConfig } from "./core/hyp/builder/domain_config.ts";

/**
 * xl.cfg files as data: `parseXlCfg` reads the file format (errors name line:column),
 * `domainConfigFromXl` turns it into a DomainConfig (unsupported keys are errors naming them).
 *
 * @example
 * ```ts
 * import { domainConfigFromXl, parseXlCfg } from "./mod.ts";
 * const cfg = domainConfigFromXl(parseXlCfg('name = "d"\nmemory = 64\nkernel = "Image"\n'), ".");
 * console.log(cfg.memory, cfg.vcpus); // 64 1
 * ```
 */
export { parseXlCfg } from "./core/hyp/builder/xl_cfg.ts";
export { domainConfigFromXl } from "./core/hyp/builder/xl_domain_config.ts";

/**
 * Reads and validates a guest kernel (arm64 Image, gzip, ELF64, raw) and initrd; malformed files
 * are errors naming the file and the problem.
 *
 * @example
 * ```ts
 * import { loadGuestImages } from "./mod.ts";
 * const images = await loadGuestImages(
 *   { kernel: "Image", kernelFormat: "auto", ramdisk: "initrd.cpio" },
 *   Deno.readFile,
 * );
 * console.log(images.kernel.format);
 * ```
 */
export { loadGuestImages } from "./core/hyp/builder/guest_image.ts";

/**
 * Xen's guest ABI for ARM64 as data: hypercall numbers, sub-ops, errno values and structure
 * layouts (checked against Xen's public headers by the test suite).
 *
 * @example
 * ```ts
 * import { xenAbi } from "./mod.ts";
 * console.log(xenAbi.hypercalls.__HYPERVISOR_event_channel_op); // 32
 * ```
 */
export * as xenAbi from "./core/hyp/abi/mod.ts";

/**
 * The cost model: cycles charged for what hardware and hypervisor do beyond guest instructions
 * (trap round trips, hypercall dispatch, MMIO emulation, physical IRQ entry, vGIC injection,
 * list-register writes, context switches, scheduler decisions), with defaults calibrated to the
 * published Xen on ARM figures and overridable per lab.
 *
 * @example A lab where MMIO emulation costs twice as much, as a debug build of Xen
 * ```ts
 * import { DEFAULT_COSTS, Hypervisor } from "./mod.ts";
 * const hv = new Hypervisor({
 *   xenDebug: true,
 *   costs: { mmioEmulation: 2 * DEFAULT_COSTS.mmioEmulation },
 * });
 * console.log(hv.costs.mmioEmulation); // 2429 (debug builds scale software costs by 1.15)
 * ```
 */
export {
  type CostModel,
  type CostOverrides,
  DEFAULT_COSTS,
  resolveCosts,
} from "./core/hyp/cost_model.ts";

/**
 * Xen's schedulers (credit2, credit, rtds, arinc653, null) behind one interface, and cpupools.
 * A hypervisor starts with Pool-0 under `config.scheduler`; more pools each get their own.
 *
 * @example Real-time pool for pCPUs 2-3, RTDS budget for a domain
 * ```ts
 * import { Hypervisor } from "./mod.ts";
 * const hv = new Hypervisor({ pcpus: 4, scheduler: "credit2" });
 * const rt = hv.createPool("rt", "rtds");
 * hv.movePcpu(2, rt);
 * hv.movePcpu(3, rt);
 * // after building domain d: hv.moveDomain(d, rt);
 * // hv.schedulerOfDomain(d.id).setParams(d.id, { periodUs: 1000, budgetUs: 200 });
 * console.log(hv.pools.list().map((p) => `${p.name}:${p.scheduler}:${p.pcpus}`));
 * ```
 */
export { createScheduler } from "./core/hyp/sched/registry.ts";
export type {
  SchedDecision,
  Scheduler,
  SchedulerName,
  SchedulerOptions,
  SchedUnit,
} from "./core/hyp/sched/scheduler.ts";
export { CpuPools } from "./core/hyp/sched/cpupool.ts";

/**
 * A run's timeline (vcpu and idle slices per pCPU, hypervisor work, virtual interrupts,
 * scheduler events), recorded when `hv.timeline.enabled` is set; tools/trace exports it as
 * Chrome/Perfetto trace-event JSON.
 *
 * @example
 * ```ts
 * import { Hypervisor } from "./mod.ts";
 * const hv = new Hypervisor();
 * hv.timeline.enabled = true;
 * // ... build domains, hv.run(...)
 * console.log(hv.timeline.events.filter((e) => e.kind === "run").length);
 * ```
 */
export { Timeline, type TimelineEvent } from "./core/hyp/timeline.ts";

/**
 * Stub domains: a device model running as its own domain, privileged over exactly one target
 * (Xen's d->target). `spawnStubdom` builds it with `target=<domid>` in its bootargs, sets its
 * `dmTarget`, keeps the target paused until the model serves, and returns the BuiltDomain. The
 * repo's model is guests/stubdom/pl011_dm.c (build it with `compileGuest(STUBDOM_PL011)` from
 * scripts/build_guests.ts): it serves a domU's PL011 (`vuartPlacement: "stubdom"`) through the
 * ioreq ABI and prints what the domU transmits on its own PV console.
 *
 * @example
 * ```ts
 * import { buildDomain, Hypervisor, loadGuestImages, spawnStubdom } from "./mod.ts";
 * const hv = new Hypervisor({ pcpus: 2 });
 * const cfg = {
 *   name: "linux", type: "pvh", memory: 256, maxmem: 256, vcpus: 1, maxvcpus: 1,
 *   kernel: "Image", kernelFormat: "auto", ramdisk: "initrd.cpio",
 *   cmdline: "console=ttyAMA0 rdinit=/init", gicVersion: "v2",
 *   vuart: "sbsa_uart", vuartPlacement: "stubdom",
 *   onPoweroff: "destroy", onReboot: "destroy", onCrash: "destroy", onWatchdog: "destroy",
 * } as const;
 * const du = buildDomain(hv, cfg, await loadGuestImages(cfg, Deno.readFile));
 * const dm = spawnStubdom(hv, {
 *   target: du.domain,
 *   kernel: Deno.readFileSync("guests/build/stubdom_pl011.elf"),
 * });
 * hv.run({ maxCycles: 100_000_000 });
 * console.log(hv.console(dm.domain.id).text);
 * ```
 */
export {
  spawnStubdom,
  stubdomConfig,
  type StubdomOptions,
  stubdomServing,
  stubdomsOf,
} from "./core/hyp/builder/stubdom.ts";
