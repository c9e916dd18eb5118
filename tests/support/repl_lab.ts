/**
 * Tests against a REPL lab without a terminal: the default hypervisor lab (stopped: tests drive
 * virtual time themselves) with the REPL's session, where `cmd(name, ...args)` calls a REPL
 * command and returns what it printed, `show(value)` renders a value as the REPL would, and
 * `global(name)` reads a global (getters such as `gic` and `cur` included), `drain()` takes what
 * was printed outside commands.
 */
import { HvLab } from "../../repl/hv_lab.ts";
import { hvSession } from "../../repl/hv_session.ts";

/** A lab with its REPL session and captured output. */
export interface ReplLab {
  lab: HvLab;
  /** Calls REPL command `name`; resolves to the text it printed (awaits async commands). */
  cmd(name: string, ...args: unknown[]): Promise<string>;
  /** What the REPL prints for `value`. */
  show(value: unknown): string;
  /** A REPL global by name. */
  global(name: string): unknown;
  /** Output printed outside commands (background debug stops) since the last call. */
  drain(): string;
}

/** The default lab (domain 1 "lab", not running in the background) and its session. */
export function replLab(): ReplLab {
  const lab = HvLab.defaultLab();
  const out: string[] = [];
  const session = hvSession(lab, (s) => out.push(s));
  const ctx = Object.defineProperties({} as Record<string, unknown>, session.globals);
  // Progress lines of long runs are captured too, marked so tests can find them.
  lab.progress = (line) => {
    if (line !== null) out.push(`[progress] ${line}`);
  };
  return {
    lab,
    async cmd(name, ...args) {
      const f = ctx[name];
      if (typeof f !== "function") throw new Error(`no REPL command ${name}`);
      out.length = 0;
      await f(...args);
      const text = out.join("\n");
      out.length = 0;
      return text;
    },
    show: (v) => session.writer(v),
    global: (name) => ctx[name],
    drain: () => out.splice(0).join("\n"),
  };
}
