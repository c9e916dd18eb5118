/** Help texts of the hypervisor REPL: one per command, one per kind of live object. */

/** One command's help. */
export interface CommandHelp {
  usage: string;
  summary: string;
  /** More lines for help(cmd). */
  detail?: string;
}

/** Command groups in the order `help()` lists them. */
export const COMMAND_GROUPS: [string, Record<string, CommandHelp>][] = [
  ["objects", {
    hv: {
      usage: "hv",
      summary: "the Hypervisor (hv.domains, hv.pcpus, hv.xenstore, hv.logEntries)",
    },
    machine: {
      usage: "machine",
      summary: "the same object as hv: the machine is the hypervisor with its memory and pCPUs",
    },
    lab: { usage: "lab", summary: "the lab: hv plus run control (lab.running, lab.built)" },
    dom: {
      usage: "dom(n)",
      summary: "domain n (shown as a table; dom(1).vcpus, .p2m, .evtchn, .grants)",
    },
    vcpu: {
      usage: "vcpu(d, n = 0)",
      summary: "vcpu n of domain d (shown with registers, sysregs, IRQs, code at PC)",
    },
    gic: { usage: "gic", summary: "the first domain's vGIC (per-IRQ state, list registers)" },
    xs: { usage: "xs", summary: "xenstore (xs.read(path), xs.write(path, v), xs.tree(path))" },
    cur: {
      usage: "cur",
      summary: "the current vcpu (step, regs, dis act on it); select(d, n) changes it",
    },
  }],
  ["xl-style commands", {
    list: { usage: "list()", summary: "domains: id, name, state, memory, vcpus, runstate times" },
    info: {
      usage: "info()",
      summary: "the hypervisor: version, scheduler, virtual time, pCPUs and their vcpus",
    },
    create: {
      usage: "create(file)",
      summary: "builds and starts a domain from an xl.cfg file (see README, deno task hvlab)",
    },
    destroy: { usage: "destroy(d)", summary: "destroys domain d at once" },
    shutdown: {
      usage: "shutdown(d)",
      summary: "asks d to power off (xenstore control/shutdown), else shuts it down",
    },
    pause: { usage: "pause(d)", summary: "stops scheduling domain d's vcpus" },
    unpause: { usage: "unpause(d)", summary: "schedules them again" },
    console: {
      usage: "console(d)",
      summary: "attaches to d's console: output streams, keys go to the guest; Ctrl-] detaches",
      detail: "console.log() and the rest of the console object still work as usual.",
    },
    vcpuList: {
      usage: "vcpuList()",
      summary: "every vcpu: domain, pCPU, state, running time, hard / soft affinity",
    },
    vcpuPin: { usage: "vcpuPin(d, v, pcpu)", summary: "moves vcpu v of domain d to pCPU pcpu" },
    schedInfo: {
      usage: "schedInfo(d?)",
      summary: "per cpupool, its scheduler and its domains' parameters (xl sched-credit2...)",
      detail: "credit and credit2 show Weight and Cap, rtds Period, Budget (us) and Extratime, " +
        "arinc653 its major frame's windows, null only the domains.\n" +
        "With d: only d's row, under its own pool's scheduler.",
    },
    schedSet: {
      usage: "schedSet(d, {weight, cap} | {period, budget, extratime})",
      summary: "sets domain d's scheduling parameters, as xl sched-credit2 -w / sched-rtds -p -b",
      detail: "credit, credit2: weight 1..65535 (default 256), cap in % of a pCPU (0 = none).\n" +
        "rtds: period and budget in us (10 us up, budget <= period), extratime true/false.\n" +
        "All are checked before any changes; the scheduler uses them from its next decision.\n" +
        "  schedSet(1, { weight: 512 })   schedSet(1, { period: 10000, budget: 2000 })\n" +
        "The parameters are those of the scheduler of d's cpupool.",
    },
    cpupoolList: {
      usage: "cpupoolList({cpus, pool}?)",
      summary: "cpupools: name, pCPU count, scheduler, domain count (xl cpupool-list [-c])",
      detail:
        "cpupoolList({ cpus: true }) lists each pool's pCPUs instead (xl cpupool-list -c);\n" +
        'cpupoolList({ pool: "rt" }) shows one pool.',
    },
    cpupoolCreate: {
      usage: "cpupoolCreate(name, sched?, cpus?)",
      summary: "a new cpupool under sched (default: Pool-0's), with free pCPUs cpus",
      detail: "sched: credit2, credit, rtds, arinc653 or null. cpus: a number, an array or a\n" +
        'list like "2-3"; they must be free (cpupoolCpuRemove them first).\n' +
        '  cpupoolCpuRemove("Pool-0", 1); cpupoolCreate("rt", "rtds", 1); cpupoolMigrate(1, "rt")',
    },
    cpupoolCpuAdd: {
      usage: "cpupoolCpuAdd(pool, cpus)",
      summary: "gives free pCPUs to a pool (by name or id), as xl cpupool-cpu-add",
    },
    cpupoolCpuRemove: {
      usage: "cpupoolCpuRemove(pool, cpus)",
      summary: "frees pCPUs of a pool (what they ran goes back to its queue)",
      detail: "A pool with domains keeps at least one pCPU. A free pCPU runs nothing.",
    },
    cpupoolMigrate: {
      usage: "cpupoolMigrate(d, pool)",
      summary: "moves domain d to a pool with pCPUs; its parameters restart at the defaults",
    },
    cpupoolDestroy: {
      usage: "cpupoolDestroy(pool)",
      summary: "frees a pool's pCPUs and removes it (not Pool-0, not while it has domains)",
    },
    arinc653Set: {
      usage: "arinc653Set(pool, {major, windows})",
      summary: "an ARINC 653 pool's major frame: windows of {dom, vcpu, runtime}, from now",
      detail: "Each window's domain must be in the pool; windows must fit in the frame.\n" +
        '  arinc653Set("a653", { major: "10ms", windows: [{ dom: 1, runtime: "6ms" },\n' +
        '    { dom: 2, vcpu: 0, runtime: "3ms" }] })',
    },
    dmesg: {
      usage: "dmesg({domain, level, last})",
      summary: "the hypervisor log (levels info, guest, warn, unimplemented)",
    },
  }],
  ["inspection", {
    regs: { usage: "regs(v = cur)", summary: "general registers and PSTATE of a vcpu" },
    sysregs: { usage: "sysregs(v = cur, names?)", summary: "key (or named) system registers" },
    dis: { usage: "dis(v = cur, n = 8)", summary: "disassembly around the vcpu's PC" },
    grants: { usage: "grants(d)", summary: "grant table: entries, flags, active pins, mappings" },
    evtchn: {
      usage: "evtchn(d)",
      summary: "event channels: ports, state, binding, pending/masked",
    },
    vgic: { usage: "vgic(d)", summary: "vGIC of domain d: per-IRQ state, list registers per vcpu" },
    p2m: { usage: "p2m(d)", summary: "stage-2 mappings, contiguous ranges coalesced" },
    xstree: { usage: "xstree(path?)", summary: "the xenstore tree (or the subtree at path)" },
    watches: { usage: "watches()", summary: "registered xenstore watches" },
    consoles: {
      usage: "consoles()",
      summary: "every domain console: bytes, queued input, last line",
    },
    con: { usage: "con(d, lines = 20)", summary: "the last lines of domain d's console" },
    hypercalls: { usage: "hypercalls(d?)", summary: "hypercall counts per vcpu by name/sub-op" },
    exits: { usage: "exits(d?)", summary: "exit counts per vcpu by kind" },
  }],
  ["device models (where they run, faults on purpose)", {
    devices: {
      usage: "devices(d?)",
      summary: "device models: address, placement, accesses, injected fault, dead",
      detail:
        "Placements: hypervisor, EL0 app (inline, in the trapping vcpu's path), stub domain N\n" +
        "or ioreq server in domain N (found from the domain's ioreq servers and the ranges they\n" +
        "map). For a model in another domain, Fault is that domain's state (paused = hung).",
    },
    placeDevice: {
      usage: "placeDevice(d, dev, where)",
      summary: 'moves an inline model to where = "hypervisor" | "el0", keeping its registers',
      detail: "dev: vpl011, pl031, flash0 or flash1 (those the domain has; see devices(d)).\n" +
        'Refused for a model in another domain, and for a move to "stubdom" or "ioreq" at\n' +
        "run time: the C model cannot take over the TypeScript model's register state. Those\n" +
        'placements are chosen at creation (DomainConfig vuartPlacement "stubdom" / "ioreq").',
    },
    spawnStubdom: {
      usage: "spawnStubdom(d, devices?)",
      summary: "builds the C model and starts a stub domain serving d's vpl011 and/or pl031",
      detail: 'devices: "vpl011", "pl031" (default: each d was built to have served by a stub\n' +
        'domain: DomainConfig vuartPlacement "stubdom", vmDevices.rtc.placement "stubdom"; not\n' +
        "xl.cfg keys). Until a server maps a device, d's accesses to it abort, so spawn it\n" +
        "before running d further (or pause(d) first; spawnStubdom unpauses it):\n" +
        '  const d = lab.build({ ...cfg, vuartPlacement: "stubdom" }, images); // a DomainConfig\n' +
        "  spawnStubdom(d.domain)   // needs aarch64-linux-gnu-gcc. From a script, the same is:\n" +
        '  import { spawnStubdom } from "./core/hyp/builder/stubdom.ts";\n' +
        '  spawnStubdom(hv, { target: d.domain, devices: ["pl011"], kernel: Deno.readFileSync(elf) })\n' +
        "(elf from scripts/build_guests.ts compileGuest(STUBDOM_PL011)).",
    },
    dmFault: {
      usage: "dmFault(d, dev, fault)",
      summary: 'kills ("crash") or hangs ("hang") a device model; says what to expect',
      detail: "Inline: armed for the next access. In the hypervisor, crash or hang panics the\n" +
        "machine; as an EL0 app, crash crashes d and hang leaves d's vcpu retrying forever.\n" +
        "In a stub domain: crash crashes it (d waits forever on the device), hang pauses it\n" +
        "(d waits until unpause(stub)). A run that ends in a panic prints the reason.",
    },
  }],
  ["run control (virtual time) and debugging", {
    run: {
      usage: "run()",
      summary: "runs in the background, paced to wall-clock time (the default)",
    },
    stop: { usage: "stop()", summary: "stops the background run" },
    runFor: {
      usage: 'runFor("10ms")',
      summary: "runs that much virtual time now (ns, us, ms, s) and shows new console output",
    },
    runUntil: {
      usage: 'runUntil(pred | /regexp/, limit = "10s")',
      summary: "runs until pred() is true or a console shows a match, within limit",
    },
    step: { usage: "step(n = 1)", summary: "executes n instructions of the current vcpu" },
    select: { usage: "select(d, n = 0)", summary: "makes vcpu n of domain d the current vcpu" },
    brk: {
      usage: "brk(va, v = cur)",
      summary: "breakpoint at a guest virtual address: runs stop there (debug)",
    },
    unbrk: { usage: "unbrk(va, v = cur)", summary: "removes the breakpoint" },
    watch: {
      usage: 'watch(va, len = 8, "write"|"read"|"access", v = cur)',
      summary: "stops before such accesses to [va, va+len); returns the watchpoint",
    },
    unwatch: { usage: "unwatch(w, v = cur)", summary: "removes watchpoint w" },
  }],
  ["snapshots, hooks and interrupts", {
    save: {
      usage: 'save(file, "description"?)',
      summary: "writes the whole machine to a snapshot file; prints its size and the time taken",
      detail:
        "The file is versioned, checksummed and compressed; restore(file) reads it, here or " +
        "in another process.",
    },
    restore: {
      usage: "restore(file)",
      summary: "replaces the machine with the one in file; a bad file changes nothing",
      detail: "hv, dom(), gic, xs, cur and the REPL's hooks move to the restored machine; a " +
        "background run continues on it. Keep the old one first with fork() if you want it.",
    },
    fork: {
      usage: "const f = fork()",
      summary: "an independent, stopped copy of the machine for a what-if experiment",
      detail: 'Run and inspect it without touching the live machine: f.runFor("10ms"), ' +
        "f.hv.console(1).text, f.domain(1), f.vcpu(1, 0). use(f) makes it the REPL's machine " +
        "(and returns the previous one: use(that) switches back).",
    },
    use: {
      usage: "const prev = use(f)",
      summary: "makes fork f (or a Hypervisor) the REPL's machine; returns the previous one",
    },
    snapshots: { usage: "snapshots()", summary: "snapshot files this session saved and restored" },
    on: {
      usage: 'on("hypercall", handler?)',
      summary: "hooks a trap kind; with no handler, prints one line per event until off()",
      detail: "Kinds: hypercall, mmio, sysreg, wfi, irq, fault. A handler gets the event and may " +
        "alter or refuse it (core/hyp/hooks.ts):\n" +
        '  on("hypercall", (e) => { if (e.name === "grant_table_op/map_grant_ref") ' +
        "e.refuse = 12; })\n" +
        '  on("irq", (e) => { if (e.intid === 27) e.delayNs = 1e6; })\n' +
        '  on("mmio", (e) => { if (!e.write && e.device === "vpl011") e.value = 0n; })\n' +
        "Returns a function that removes the hook; a handler that throws is removed.",
    },
    off: { usage: "off(kind?)", summary: "removes the hooks on() added (of one kind, or all)" },
    hooks: { usage: "hooks()", summary: "lists the hooks on() added" },
    inject: {
      usage: "inject(d, intid, vcpu?)",
      summary: "makes IRQ intid pending in domain d (an SPI unless vcpu is given or intid < 32)",
      detail: 'It goes through the "irq" hooks; prints whether it was delivered, dropped or ' +
        "delayed.",
    },
  }],
  ["help", {
    help: { usage: "help(x?)", summary: "this list; help(cmd) or help(object) explains one" },
  }],
];

/** Help for kinds of live objects, by the constructor name `help(obj)` looks up. */
export const OBJECT_HELP: Record<string, string> = {
  Hypervisor: `Hypervisor (hv): the machine and its EL2.
  hv.domains (Map id -> Domain)   hv.pcpus (physical CPUs: .vcpus, .now, .idleCycles)
  hv.xenstore   hv.logEntries   hv.consoles (Map id -> ConsoleSink)   hv.version   hv.clock
  hv.nowNs()    hv.cycles       hv.run({maxCycles, until}) (prefer runFor/runUntil)
  hv.scheduler (Pool-0's: .name, .getParams(domid), .setParams(domid, p))   hv.timeline
  hv.pools (cpupools: .list(), .poolOfDomain(domid), .poolOf(pcpu))   hv.schedulerOfDomain(domid)
  Views: info(), list(), vcpuList(), schedInfo(), cpupoolList(), dmesg().`,
  Domain: `Domain: one guest.
  .id .name .state (running/paused/shutdown/dying) .shutdownReason .vcpus .p2m .phys (guest
  memory: .read(gpa, len), .u32(gpa)) .evtchn .grants .hvmParams .ramPages .maxPages
  Views: dom(n), p2m(d), grants(d), evtchn(d), vgic(d), con(d), hypercalls(d).
  Commands: pause, unpause, shutdown, destroy, console, vcpuPin.`,
  Vcpu: `Vcpu: one virtual CPU.
  .id .domainId .pcpu .runstate (.state, .timeNs) .paused .cpu (its PE: .pc, .el, .getX(n),
  .sysregs.get(name), .breakpoints) .hypercalls .exits (Maps of counts)
  Views: vcpu(d, n), regs(v), sysregs(v), dis(v). Run: select(d, n) then step(n).`,
  Xenstored: `Xenstored (xs): the xenstore daemon inside the hypervisor.
  xs.read(path) xs.tryRead(path) xs.write(path, value) xs.directory(path) xs.rm(path)
  xs.tree(path?) xs.watches()      Views: xstree(path?), watches().`,
  Vgic: `vGIC (gic, vgic(d)): a domain's virtual GIC.
  .version .numVcpus .numIrqs .irqTable() .inject(vcpu | null, intid) .setLevel(vcpu, intid, level)
  .cpuIf(vcpu) (list registers)      View: vgic(d), or evaluate gic.`,
  HvLab: `HvLab (lab): the hypervisor plus run control.
  lab.hv (the machine)  lab.running (background run on?)  lab.built (domains: config, vpl011)
  lab.runFor("10ms") lab.runUntil(pred, "1s") lab.step(vcpu, n) lab.resume() lab.pause()
  lab.fork() (a stopped copy: a lab of its own)  lab.replaceMachine(hv) (restore and use do it)
  fork() returns such a lab: f.runFor, f.hv, f.domain(n), f.vcpu(d, n) work on the copy.`,
};

/** Every command name. */
export const COMMAND_NAMES: string[] = COMMAND_GROUPS.flatMap(([, g]) => Object.keys(g));

/** The `help()` text. */
export function helpText(): string {
  const out = ["hvlab hypervisor REPL — a live Xen-on-Arm machine. Top-level await works."];
  for (const [title, cmds] of COMMAND_GROUPS) {
    out.push("", `${title}:`);
    for (const c of Object.values(cmds)) out.push(`  ${c.usage.padEnd(32)} ${c.summary}`);
  }
  out.push(
    "",
    "d is a domain id, name or Domain; v a Vcpu. Evaluating an object shows it as a table.",
    "help(dom(1)), help(cur), help(hv), help(xs), help(gic) explain objects. .exit leaves.",
  );
  return out.join("\n");
}

/** Help for command `name`, or undefined. */
export function commandHelp(name: string): string | undefined {
  for (const [, cmds] of COMMAND_GROUPS) {
    const c = cmds[name];
    if (c) return [`${c.usage}: ${c.summary}`, ...(c.detail ? [c.detail] : [])].join("\n");
  }
  return undefined;
}
