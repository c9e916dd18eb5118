/**
 * `console(d)` at the REPL: streams a domain's console to the terminal and sends typed keys to
 * it until Ctrl-] (xl console's escape), then gives the keyboard back to the prompt. The REPL's
 * own key handling (readline's keypress listeners on stdin) is taken off stdin while attached
 * and put back after, so no key reaches both.
 */
import process from "node:process";
import type { ConsoleSink } from "../core/hyp/console/console_sink.ts";
import { splitAtDetach } from "../tools/xl/tty_console.ts";

/** Attaches the terminal to `sink`; resolves when the user detaches. */
export function attachConsole(sink: ConsoleSink, banner: string): Promise<void> {
  const stdin = process.stdin;
  const out = (bytes: Uint8Array) => {
    try {
      Deno.stdout.writeSync(bytes);
    } catch {
      // A closed terminal: the guest keeps running, output is dropped.
    }
  };
  out(new TextEncoder().encode(`${banner}\n`));
  const keypress = stdin.listeners("keypress") as ((...a: unknown[]) => void)[];
  stdin.removeAllListeners("keypress");
  return new Promise((resolve) => {
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      const { forward, detach } = splitAtDetach(bytes);
      if (forward.length > 0) sink.input(forward.slice());
      if (!detach) return;
      stdin.off("data", onData);
      const i = sink.listeners.indexOf(out);
      if (i >= 0) sink.listeners.splice(i, 1);
      for (const f of keypress) stdin.on("keypress", f);
      out(new TextEncoder().encode("\n[detached]\n"));
      resolve();
    };
    sink.listeners.push(out);
    stdin.on("data", onData);
  });
}
