/**
 * The globals of the hypervisor REPL: live objects (hv, lab, dom(n), vcpu(d, n), gic, xs, cur),
 * xl-style commands, inspection views and run control, plus the writer that shows live objects
 * as tables and `help`. Everything prints through `print`, so scripts and tests can capture it.
 */
import process from "node:process";
import util from "node:util";
import { Domain } from "../core/hyp/domain.ts";
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import { Vcpu } from "../core/hyp/vcpu.ts";
import { Xenstored } from "../core/hyp/xenstore/xenstored.ts";
import type { Vgic } from "../core/hyp/vgic/vgic.ts";
import { ConsoleSink } from "../core/hyp/console/console_sink.ts";
import { attachConsole } from "./console_attach.ts";
import { parseDuration } from "./duration.ts";
import { commandHelp, helpText, OBJECT_HELP } from "./help.ts";
import { HvLab, type LabRunResult } from "./hv_lab.ts";
import { formatConsoles, tailLines } from "./show_consoles.ts";
import { type DmesgFilter, formatDmesg } from "./show_dmesg.ts";
import { formatDomain, formatDomainList } from "./show_domains.ts";
import { formatDevices } from "./show_devices.ts";
import { dmFault, dmSpawnStubdom, placeDevice } from "./dm_commands.ts";
import { formatEvtchn } from "./show_evtchn.ts";
import { formatGrants } from "./show_grants.ts";
import { formatExits, formatHypercalls } from "./show_hypercalls.ts";
import { formatInfo } from "./show_info.ts";
import { formatP2m } from "./show_p2m.ts";
import { formatDisasm, formatRegs } from "./show.ts";
import { formatSysregs, formatVcpu, formatVcpuList, KEY_SYSREGS } from "./show_vcpus.ts";
import { formatSchedInfo } from "./show_sched.ts";
import { type CpupoolListOptions, formatCpupoolList, type PoolArg } from "./show_cpupools.ts";
import { formatVgic, vgicOf } from "./show_vgic.ts";
import { formatWatches, formatXenstore } from "./show_xenstore.ts";
import { hookCommands } from "./hook_commands.ts";
import { snapshotCommands } from "./snapshot_commands.ts";
import { fmtNs } from "./table.ts";
import {
  xlCreate,
  xlDestroy,
  xlPause,
  xlSchedSet,
  xlShutdown,
  xlUnpause,
  xlVcpuPin,
} from "./xl_commands.ts";
import { type Arinc653FrameArg, arinc653Set } from "./xl_arinc653.ts";
import {
  type CpuArg,
  xlCpupoolCpuAdd,
  xlCpupoolCpuRemove,
  xlCpupoolCreate,
  xlCpupoolDestroy,
  xlCpupoolMigrate,
} from "./xl_cpupool.ts";

/** A domain argument: an id, a name or the Domain. */
type DomArg = number | string | Domain;

/** The REPL's globals and its result writer. */
export interface HvSession {
  /** Properties to put on the REPL context (getters stay live). */
  globals: PropertyDescriptorMap;
  /** node:repl writer: live objects as tables, anything else inspected. */
  writer: (v: unknown) => string;
  /** Called after output printed outside a command (a background debug stop): redraw the prompt. */
  afterAsyncOutput: (() => void) | undefined;
}

/** True for a domain's vGIC. */
function isVgic(v: unknown): v is Vgic {
  return typeof v === "object" && v !== null && "irqTable" in v && "numIrqs" in v;
}

/** Builds the session of `lab`, printing with `print`. */
export function hvSession(lab: HvLab, print: (s: string) => void = console.log): HvSession {
  let current: Vcpu | null = null;
  const firstDomain = () => [...lab.hv.domains.values()][0];
  const cur = (): Vcpu => {
    if (current && lab.hv.domains.get(current.domainId)?.vcpus[current.id] === current) {
      return current;
    }
    const d = firstDomain();
    if (!d) throw new Error("no domains: create(file) makes one");
    return (current = d.vcpus[0]);
  };
  const dom = (d: DomArg) => lab.domain(d);
  // The same vcpu (domain and id) on a new machine stays the current one.
  lab.onMachineChange.push((hv) => {
    if (current) current = hv.domains.get(current.domainId)?.vcpus[current.id] ?? null;
  });
  const forks: WeakRef<Hypervisor>[] = [];
  /** The machine a domain or vcpu belongs to: the lab's or a fork's. */
  const ownerOf = (x: Domain | Vcpu): Hypervisor =>
    [lab.hv, ...forks.map((w) => w.deref())].find((hv) =>
      x instanceof Domain
        ? hv?.domains.get(x.id) === x
        : hv?.domains.get(x.domainId)?.vcpus[x.id] === x
    ) ?? lab.hv;
  const snap = snapshotCommands(lab, print);
  const hooks = hookCommands(lab, print, () => session.afterAsyncOutput?.());
  /** The panic record already reported, so a panic is told once. */
  let panicTold: Hypervisor["panicked"] = null;
  /** The panic reason, in full the first time, then briefly. */
  const panicLine = (): string | null => {
    const p = lab.hv.panicked;
    if (p === null) return null;
    if (p === panicTold) return `(the hypervisor panicked at ${fmtNs(p.atNs)}; it runs no more)`;
    panicTold = p;
    return `hypervisor panic at ${fmtNs(p.atNs)}: ${p.reason}`;
  };
  const consoleText = () => new Map([...lab.hv.consoles].map(([id, c]) => [id, c.text.length]));

  /** Prints what a foreground run did and the console output it produced. */
  const report = (r: LabRunResult, before: Map<number, number>, what: string) => {
    print(
      `${what}: ${fmtNs(r.ns)} of virtual time in ${r.wallMs.toFixed(0)} ms (${r.reason}); ` +
        `now ${fmtNs(lab.hv.nowNs())}`,
    );
    const v = lab.hv.stoppedVcpu;
    if (r.reason === "debug" && v) {
      current = v;
      print(`debug stop on vcpu ${v.domainId}.${v.id} (now the current vcpu):`);
      print(formatDisasm(v.cpu, 0, 0));
    }
    if (r.reason === "panic") print(panicLine()!);
    for (const [id, c] of lab.hv.consoles) {
      const from = before.get(id) ?? 0;
      if (c.text.length === from) continue;
      // A line the run completed shows whole (a slice may have stopped in its middle).
      const fresh = c.text.slice(from === 0 ? 0 : c.text.lastIndexOf("\n", from - 1) + 1);
      print(tailLines(fresh, 20).split("\n").map((l) => `d${id}| ${l}`).join("\n"));
    }
  };

  const consoleFn = Object.assign((d: DomArg = firstDomain()?.id ?? 1) => {
    const domain = dom(d);
    if (!process.stdin.isTTY) throw new Error("console(d) needs a terminal on stdin");
    lab.resume();
    return attachConsole(
      lab.hv.console(domain.id),
      `[attached to domain ${domain.id} "${domain.name}"'s console; Ctrl-] detaches]`,
    );
  }, {
    log: console.log.bind(console),
    error: console.error.bind(console),
    warn: console.warn.bind(console),
    info: console.info.bind(console),
    debug: console.debug.bind(console),
    table: console.table.bind(console),
    dir: console.dir.bind(console),
  });

  const commands: Record<string, (...a: never[]) => unknown> = {
    dom,
    vcpu: (d: DomArg, n = 0) => lab.vcpu(d, n),
    list: () => print(formatDomainList(lab.hv)),
    info: () => print(formatInfo(lab.hv)),
    create: async (file: string) => {
      const d = await xlCreate(lab, file);
      print(`created domain ${d.id} "${d.name}"`);
    },
    destroy: (d: DomArg) => print(xlDestroy(lab, dom(d))),
    shutdown: (d: DomArg) => print(xlShutdown(lab, dom(d))),
    pause: (d: DomArg) => print(xlPause(lab, dom(d))),
    unpause: (d: DomArg) => print(xlUnpause(lab, dom(d))),
    console: consoleFn,
    vcpuList: () => print(formatVcpuList(lab.hv)),
    vcpuPin: (d: DomArg, v: number, pcpu: number) => print(xlVcpuPin(lab, lab.vcpu(d, v), pcpu)),
    schedInfo: (d?: DomArg) =>
      print(formatSchedInfo(lab.hv, d === undefined ? undefined : dom(d).id)),
    schedSet: (d: DomArg, params: Record<string, number | boolean>) =>
      print(xlSchedSet(lab, dom(d), params)),
    cpupoolList: (opts: CpupoolListOptions = {}) => print(formatCpupoolList(lab.hv, opts)),
    cpupoolCreate: (name: string, sched?: string, cpus?: CpuArg) =>
      print(xlCpupoolCreate(lab, name, sched, cpus)),
    cpupoolCpuAdd: (pool: PoolArg, cpus: CpuArg) => print(xlCpupoolCpuAdd(lab, pool, cpus)),
    cpupoolCpuRemove: (pool: PoolArg, cpus: CpuArg) => print(xlCpupoolCpuRemove(lab, pool, cpus)),
    cpupoolMigrate: (d: DomArg, pool: PoolArg) => print(xlCpupoolMigrate(lab, dom(d), pool)),
    cpupoolDestroy: (pool: PoolArg) => print(xlCpupoolDestroy(lab, pool)),
    arinc653Set: (pool: PoolArg, frame: Arinc653FrameArg) => print(arinc653Set(lab, pool, frame)),
    dmesg: (f: DmesgFilter = {}) => print(formatDmesg(lab.hv.logEntries, f)),
    regs: (v: Vcpu = cur()) => print(formatRegs(v.cpu)),
    sysregs: (v: Vcpu = cur(), names: string[] = [...KEY_SYSREGS]) =>
      print(formatSysregs(v, names)),
    dis: (v: Vcpu = cur(), n = 8) => print(formatDisasm(v.cpu, Math.min(n, 16), n)),
    grants: (d: DomArg) => print(formatGrants(dom(d))),
    evtchn: (d: DomArg) => print(formatEvtchn(dom(d))),
    vgic: (d: DomArg) => {
      const g = vgicOf(lab.hv, dom(d).id);
      print(g ? formatVgic(g, `domain ${dom(d).id} `) : `domain ${dom(d).id} has no vGIC`);
    },
    p2m: (d: DomArg) => print(formatP2m(dom(d))),
    xstree: (path?: string) => print(formatXenstore(lab.hv.xenstore, path)),
    watches: () => print(formatWatches(lab.hv.xenstore)),
    consoles: () => print(formatConsoles(lab.hv)),
    con: (d: DomArg = firstDomain()?.id ?? 1, lines = 20) =>
      print(tailLines(lab.hv.console(dom(d).id).text, lines)),
    hypercalls: (d?: DomArg) =>
      print(formatHypercalls(lab.hv, d === undefined ? undefined : dom(d).id)),
    exits: (d?: DomArg) => print(formatExits(lab.hv, d === undefined ? undefined : dom(d).id)),
    devices: (d?: DomArg) => print(formatDevices(lab.hv, d === undefined ? undefined : dom(d))),
    placeDevice: (d: DomArg, device: string, placement: string) =>
      print(placeDevice(lab, dom(d), device, placement)),
    spawnStubdom: async (d: DomArg, devices?: string[]) => {
      const target = dom(d);
      const { stub, devices: served } = await dmSpawnStubdom(lab, target, devices);
      print(
        `stub domain ${stub.id} "${stub.name}" serves domain ${target.id}'s ${served.join(", ")}` +
          (served.includes("vpl011")
            ? `; the UART's output appears on con(${stub.id}), typed input goes to console(${stub.id})`
            : ""),
      );
      print(formatDomain(lab.hv, stub));
    },
    dmFault: (d: DomArg, device: string, fault: string) =>
      print(dmFault(lab, dom(d), device, fault)),
    run: () => {
      const told = panicLine();
      if (told !== null) return print(told);
      lab.resume();
      print("running in the background (paced to wall-clock time); stop() stops");
    },
    stop: () => {
      lab.pause();
      print(`stopped at ${fmtNs(lab.hv.nowNs())} of virtual time`);
    },
    runFor: (d: string | number) => {
      const ns = parseDuration(d), before = consoleText();
      report(lab.runFor(ns), before, "ran");
    },
    runUntil: (cond: (() => boolean) | RegExp, limit: string | number = "10s") => {
      const ns = parseDuration(limit), before = consoleText();
      let pred: () => boolean;
      if (Object.prototype.toString.call(cond) === "[object RegExp]") {
        // A RegExp typed at the prompt comes from the REPL's realm: no instanceof.
        const re = cond as RegExp;
        pred = () => {
          for (const [id, c] of lab.hv.consoles) {
            re.lastIndex = 0;
            if (re.test(c.text.slice(before.get(id) ?? 0))) return true;
          }
          return false;
        };
      } else if (typeof cond === "function") pred = cond as () => boolean;
      else throw new Error("runUntil: give a predicate function or a RegExp");
      const r = lab.runUntil(pred, ns);
      report(r, before, r.reason === "until" ? "condition met" : "not met");
    },
    step: (n = 1) => {
      const v = cur();
      const { executed, result } = lab.step(v, n);
      print(
        `vcpu ${v.domainId}.${v.id}: ${executed} instruction(s) in ${fmtNs(result.ns)} ` +
          `(${result.reason === "until" ? "done" : result.reason})`,
      );
      if (result.reason === "panic") print(panicLine()!);
      print(formatDisasm(v.cpu, 2, 3));
    },
    brk: (va: bigint | number, v: Vcpu = cur()) => {
      v.cpu.breakpoints.add(BigInt(va));
      print(`breakpoint at 0x${BigInt(va).toString(16)} on vcpu ${v.domainId}.${v.id}`);
    },
    unbrk: (va: bigint | number, v: Vcpu = cur()) => {
      const had = v.cpu.breakpoints.delete(BigInt(va));
      print(had ? "breakpoint removed" : `no breakpoint at 0x${BigInt(va).toString(16)}`);
    },
    watch: (
      va: bigint | number,
      len = 8,
      kind: "read" | "write" | "access" = "write",
      v: Vcpu = cur(),
    ) => v.cpu.addWatchpoint(BigInt(va), len, kind),
    unwatch: (w: Parameters<Vcpu["cpu"]["removeWatchpoint"]>[0], v: Vcpu = cur()) =>
      v.cpu.removeWatchpoint(w),
    select: (d: DomArg, n = 0) => {
      current = lab.vcpu(d, n);
      print(`current vcpu: domain ${current.domainId} vcpu ${current.id}`);
    },
    save: snap.save,
    restore: snap.restore,
    fork: () => {
      const f = snap.fork();
      forks.push(new WeakRef(f.hv));
      return f;
    },
    use: snap.use,
    snapshots: snap.snapshots,
    on: hooks.on,
    off: hooks.off,
    hooks: hooks.hooks,
    inject: (d: DomArg, intid: number, vcpu?: number) => {
      const domain = dom(d);
      // Private interrupts (SGI, PPI) need a vcpu: the first unless named.
      const v = vcpu ?? (intid < 32 ? 0 : null);
      const r = lab.hv.injectIrq(domain.id, v, intid);
      print(`IRQ ${intid} -> domain ${domain.id} ${v === null ? "(SPI)" : `vcpu ${v}`}: ${r}`);
    },
    help: (x?: unknown) => print(helpOf(x)),
  };

  const names = new Map<unknown, string>(Object.entries(commands).map(([k, f]) => [f, k]));
  const helpOf = (x: unknown): string => {
    if (x === undefined) return helpText();
    if (typeof x === "string") return commandHelp(x) ?? OBJECT_HELP[x] ?? `no help for "${x}"`;
    const name = names.get(x);
    if (name) return commandHelp(name) ?? name;
    if (x instanceof Hypervisor) return OBJECT_HELP.Hypervisor;
    if (x instanceof Domain) return OBJECT_HELP.Domain;
    if (x instanceof Vcpu) return OBJECT_HELP.Vcpu;
    if (x instanceof Xenstored) return OBJECT_HELP.Xenstored;
    if (x instanceof HvLab) return OBJECT_HELP.HvLab;
    if (isVgic(x)) return OBJECT_HELP.Vgic;
    return "no help for this value; help() lists commands and objects";
  };

  const globals: PropertyDescriptorMap = {
    // Getters: after restore(file) or use(f) they name the new machine's objects.
    hv: { get: () => lab.hv, enumerable: true },
    // The whole machine: the hypervisor owns the memory, the pCPUs and every domain.
    machine: { get: () => lab.hv, enumerable: true },
    lab: { value: lab, enumerable: true },
    xs: { get: () => lab.hv.xenstore, enumerable: true },
    gic: {
      get: () => {
        const d = firstDomain();
        return d ? vgicOf(lab.hv, d.id) : undefined;
      },
      enumerable: true,
    },
    cur: { get: () => cur(), enumerable: true },
  };
  for (const [k, f] of Object.entries(commands)) {
    globals[k] = { value: f, enumerable: true, writable: true };
  }

  const session: HvSession = { globals, writer: (v) => writer(v), afterAsyncOutput: undefined };
  lab.onDebugStop = (v) => {
    if (v) current = v;
    print(
      `\n[debug stop${v ? ` on vcpu ${v.domainId}.${v.id} at pc ${v.cpu.pc.toString(16)}` : ""}` +
        ` at ${fmtNs(lab.hv.nowNs())}${v ? " (now the current vcpu)" : ""}; run() continues]`,
    );
    session.afterAsyncOutput?.();
  };
  lab.onPanic = () => {
    const told = panicLine();
    if (told === null) return;
    print(`\n[${told}; the background run stopped]`);
    session.afterAsyncOutput?.();
  };

  const writer = (v: unknown): string => {
    if (v instanceof Domain) return formatDomain(ownerOf(v), v);
    if (v instanceof Vcpu) return formatVcpu(ownerOf(v), v);
    if (v instanceof Hypervisor) return formatInfo(v);
    if (v instanceof Xenstored) return formatXenstore(v);
    if (v instanceof ConsoleSink) return tailLines(v.text, 20);
    if (v instanceof HvLab) {
      return `lab: ${v.running ? "running in the background" : "stopped"}, ` +
        `${v.hv.domains.size} domain(s), virtual time ${fmtNs(v.hv.nowNs())}` +
        (v === lab ? "" : v.hv === lab.hv ? " (the REPL's machine)" : " (not the REPL's machine)");
    }
    if (isVgic(v)) return formatVgic(v);
    return util.inspect(v, { colors: Deno.stdout.isTerminal(), depth: 2 });
  };
  return session;
}
