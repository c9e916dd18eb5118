/**
 * The REPL's hooks: `on(kind, handler?)` adds a hook on the lab's machine (no handler: a trace
 * that prints one line per event), `off(kind?)` removes the hooks added this way. They follow the
 * lab when its machine is replaced (restore, use). A handler that throws is removed and its error
 * printed, so a typo cannot crash a background run.
 */
import type { HookEvents, HookKind } from "../core/hyp/hooks.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { HvLab } from "./hv_lab.ts";
import { hex } from "./table.ts";

/** The hook kinds, in the order help lists them. */
export const HOOK_KINDS: readonly HookKind[] = [
  "hypercall",
  "mmio",
  "sysreg",
  "wfi",
  "irq",
  "fault",
];

/** Trace lines a background run prints per slice at most (the rest are counted). */
const MAX_LINES_PER_FLUSH = 100;

/** One line about event `e` of `kind`, or null for the half of a hypercall not worth a line. */
export function formatHookEvent<K extends HookKind>(kind: K, e: HookEvents[K]): string | null {
  switch (kind) {
    case "hypercall": {
      const h = e as HookEvents["hypercall"];
      // Each hypercall is seen before and after it runs: one line, after, with its result.
      if (h.result === undefined) return null;
      const r = BigInt.asIntN(64, h.result);
      const args = h.args.slice(0, 3).map((a) => hex(a)).join(", ");
      return `[hypercall] d${h.domain.id}.${h.vcpu.id} ${h.name}(${args}) -> ` +
        `${r < 0n ? r : hex(r)}${h.refuse !== undefined ? " (refused by a hook)" : ""}`;
    }
    case "mmio": {
      const m = e as HookEvents["mmio"];
      return `[mmio] d${m.domain.id}.${m.vcpu.id} ${m.write ? "write" : "read "} ${hex(m.ipa)} ` +
        `${m.size}B ${m.device} ${m.write ? "<-" : "="} ${hex(m.value)}${m.abort ? " abort" : ""}`;
    }
    case "sysreg": {
      const s = e as HookEvents["sysreg"];
      return `[sysreg] d${s.domain.id}.${s.vcpu.id} esr ${hex(s.esr >>> 0, 8)} ` +
        `pc ${hex(s.vcpu.cpu.pc)}`;
    }
    case "wfi": {
      const w = e as HookEvents["wfi"];
      return `[wfi] d${w.domain.id}.${w.vcpu.id} ${w.kind}${w.trapped ? " (trapped)" : ""}`;
    }
    case "irq": {
      const i = e as HookEvents["irq"];
      const to = i.vcpu === null ? "SPI" : `vcpu ${i.vcpu}`;
      return `[irq] d${i.domain.id} ${to} intid ${i.intid}` +
        (i.drop ? " dropped" : i.delayNs ? ` delayed ${i.delayNs} ns` : "");
    }
    case "fault": {
      const f = e as HookEvents["fault"];
      return `[fault] d${f.domain.id}.${f.vcpu.id} ${f.kind} ipa ${hex(f.ipa)} ` +
        `esr ${hex(f.esr >>> 0, 8)}`;
    }
  }
  return null;
}

/** A hook the REPL added. */
interface ReplHook {
  kind: HookKind;
  /** True for a trace (no handler of the user's). */
  traced: boolean;
  handler: (e: never) => void;
  remove: () => void;
}

/**
 * The on/off commands of `lab`. `print` prints; `afterAsyncOutput` redraws the prompt after trace
 * lines printed by a background run.
 */
export function hookCommands(
  lab: HvLab,
  print: (s: string) => void,
  afterAsyncOutput: () => void,
) {
  const hooks: ReplHook[] = [];
  let pending: string[] = [], dropped = 0, flushScheduled = false;

  const flush = (redraw = true) => {
    flushScheduled = false;
    if (pending.length === 0 && dropped === 0) return;
    const lines = pending;
    pending = [];
    if (dropped > 0) lines.push(`[... ${dropped} more event(s) not shown]`);
    dropped = 0;
    print(lines.join("\n"));
    if (redraw) afterAsyncOutput();
  };

  /** A trace line: part of a foreground command's output, else batched per background slice. */
  const emit = (line: string) => {
    if (!lab.running) return print(line);
    if (pending.length < MAX_LINES_PER_FLUSH) pending.push(line);
    else dropped++;
    if (!flushScheduled) {
      flushScheduled = true;
      setTimeout(() => flush(), 0);
    }
  };

  const remove = (h: ReplHook) => {
    h.remove();
    const i = hooks.indexOf(h);
    if (i >= 0) hooks.splice(i, 1);
  };

  const attach = (hv: Hypervisor, h: ReplHook) => {
    h.remove = hv.on(h.kind, h.handler as (e: HookEvents[HookKind]) => void);
  };

  // Hooks belong to a machine: move the REPL's over when the lab's machine changes.
  lab.onMachineChange.push((hv) => {
    for (const h of hooks) {
      h.remove();
      attach(hv, h);
    }
  });

  return {
    /**
     * With a handler: returns a function that removes it (shown as such at the prompt). Without:
     * starts a trace, says so and returns nothing (off() stops it).
     */
    on: <K extends HookKind>(
      kind: K,
      handler?: (e: HookEvents[K]) => void,
    ): (() => void) | undefined => {
      if (!HOOK_KINDS.includes(kind)) {
        throw new Error(`on: no hook kind "${String(kind)}" (kinds: ${HOOK_KINDS.join(", ")})`);
      }
      if (handler !== undefined && typeof handler !== "function") {
        throw new Error("on(kind, handler): the handler must be a function of the event");
      }
      const h: ReplHook = {
        kind,
        traced: handler === undefined,
        handler: () => {},
        remove: () => {},
      };
      h.handler = ((e: HookEvents[K]) => {
        try {
          if (handler) handler(e);
          else {
            const line = formatHookEvent(kind, e);
            if (line !== null) emit(line);
          }
        } catch (err) {
          remove(h);
          emit(
            `[hook ${kind} threw: ${err instanceof Error ? err.message : String(err)}; removed]`,
          );
        }
      }) as (e: never) => void;
      attach(lab.hv, h);
      hooks.push(h);
      if (handler === undefined) {
        print(`tracing ${kind} events, one line each; off() stops`);
        return undefined;
      }
      return Object.assign(() => remove(h), {
        [Symbol.for("nodejs.util.inspect.custom")]: () =>
          `[hook on ${kind}: call it (or off()) to remove it]`,
      });
    },

    /** Removes the REPL's hooks (of `kind`, or all). */
    off: (kind?: HookKind): void => {
      const gone = hooks.filter((h) => kind === undefined || h.kind === kind);
      for (const h of gone) remove(h);
      flush(false);
      print(`${gone.length} hook(s) removed${kind ? ` (${kind})` : ""}`);
    },

    /** Lists the REPL's hooks. */
    hooks: (): void => {
      print(
        hooks.length === 0
          ? "no REPL hooks (on(kind) adds one)"
          : hooks.map((h, i) => `${i + 1}. ${h.kind}: ${h.traced ? "trace" : "handler"}`)
            .join("\n"),
      );
    },
  };
}
