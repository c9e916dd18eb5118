/**
 * `hvlab create`: xl create for one xl.cfg on a fresh hypervisor. It loads and builds the
 * domain, optionally attaches the console (guest output streamed as written; keyboard input when
 * stdin is a terminal, Ctrl-] to detach), and runs the guest to an outcome (run_domains.ts).
 * Unlike xl, which returns once the domain is started, it stays until the guest is done, so the
 * exit status says how the guest ended.
 */
import { Hypervisor, type HypervisorConfig } from "../../core/hyp/hypervisor.ts";
import type { BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { buildXlDomain, loadXlDomain } from "./load_xl_domain.ts";
import { PanicWatch } from "./panic_watch.ts";
import { runDomains, type RunOutcome } from "./run_domains.ts";
import { XlSetupError } from "./setup_error.ts";
import { TtyConsoleInput } from "./tty_console.ts";

/** What `xlCreate` is asked to do. */
export interface XlCreateOptions {
  /** The xl.cfg path. */
  configPath: string;
  /** Stream the guest console to `output` (xl create -c). */
  attachConsole: boolean;
  /** Wall-clock limit in seconds. */
  timeoutSeconds?: number;
  /** Where console bytes go (default: stdout). */
  output?: (bytes: Uint8Array) => void;
  /** Prints a status line during the run (default: stderr). */
  status?: (line: string) => void;
  /** Forward keyboard input; default: when the console is attached and stdin is a terminal. */
  ttyInput?: boolean;
  /** Hypervisor settings (default: the Hypervisor's defaults). */
  hypervisor?: HypervisorConfig;
}

/** What the run came to, with the hypervisor and domain left for inspection. */
export interface XlCreateResult {
  outcome: RunOutcome;
  hv: Hypervisor;
  built: BuiltDomain;
}

/** Writes all of `bytes` to a synchronous writer (writeSync may write less than asked). */
export function writeAllSync(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Creates and runs the domain of `opts.configPath`. Throws XlSetupError for a bad timeout,
 * xl.cfg, kernel, ramdisk or memory size, before anything runs.
 */
export async function xlCreate(opts: XlCreateOptions): Promise<XlCreateResult> {
  const t = opts.timeoutSeconds;
  if (t !== undefined && !(Number.isFinite(t) && t > 0)) {
    throw new XlSetupError(`--timeout ${t}: expected a positive number of seconds`);
  }
  const spec = await loadXlDomain(opts.configPath);
  const hv = new Hypervisor(opts.hypervisor);
  const built = buildXlDomain(hv, spec);

  const sink = hv.console(built.domain.id);
  const panic = new PanicWatch();
  let stdoutOpen = true;
  const output = opts.output ?? ((b: Uint8Array) => {
    if (!stdoutOpen) return;
    try {
      writeAllSync(Deno.stdout, b);
    } catch (e) {
      // A reader that went away (`| head`) stops the console, not the guest.
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      stdoutOpen = false;
    }
  });
  let lastByte = 0x0a;
  sink.listeners.push((bytes) => {
    panic.feed(bytes);
    if (!opts.attachConsole) return;
    output(bytes);
    lastByte = bytes[bytes.length - 1];
  });

  const input = (opts.ttyInput ?? (opts.attachConsole && TtyConsoleInput.available()))
    ? new TtyConsoleInput(sink)
    : null;
  const statusLine = opts.status ??
    ((line: string) => writeAllSync(Deno.stderr, new TextEncoder().encode(`hvlab: ${line}\n`)));
  input?.start();
  try {
    const outcome = await runDomains(hv, [{ domain: built.domain, config: spec.config, panic }], {
      ...(t !== undefined ? { timeoutMs: t * 1000 } : {}),
      between: async () => {
        await yieldToEventLoop();
        return input?.detached ?? false;
      },
      note: statusLine,
    });
    // Status lines start on a line of their own, not after a guest's unfinished one.
    if (opts.attachConsole && lastByte !== 0x0a) output(Uint8Array.of(0x0a));
    return { outcome, hv, built };
  } finally {
    input?.stop();
  }
}
