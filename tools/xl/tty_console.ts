/**
 * Keyboard input for an attached console, as `xl console` does it: the terminal goes into raw
 * mode, every typed byte (Ctrl-C included) goes to the guest, and Ctrl-] detaches. Only used
 * when stdin is a terminal; a pipe or file on stdin is never read.
 */
import type { ConsoleSink } from "../../core/hyp/console/console_sink.ts";

/** Ctrl-] (GS), xl console's escape character. */
export const DETACH_BYTE = 0x1d;

/** Splits typed bytes at the detach character: what goes to the guest and whether to detach. */
export function splitAtDetach(chunk: Uint8Array): { forward: Uint8Array; detach: boolean } {
  const i = chunk.indexOf(DETACH_BYTE);
  return i < 0
    ? { forward: chunk, detach: false }
    : { forward: chunk.subarray(0, i), detach: true };
}

/** Forwards terminal keystrokes to `sink` until stopped or detached. */
export class TtyConsoleInput {
  readonly #sink: ConsoleSink;
  #detached = false;
  #stopped = false;

  constructor(sink: ConsoleSink) {
    this.#sink = sink;
  }

  /** True when stdin is a terminal, so input can be forwarded. */
  static available(): boolean {
    return Deno.stdin.isTerminal();
  }

  /** True once the user typed Ctrl-]. */
  get detached(): boolean {
    return this.#detached;
  }

  /** Puts the terminal in raw mode and starts reading (in the background). */
  start(): void {
    Deno.stdin.setRaw(true);
    this.#read().catch(() => {
      // A terminal that went away ends input; the guest keeps running.
    });
  }

  /** Restores the terminal. A read still pending ends with the process. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    Deno.stdin.setRaw(false);
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(1024);
    while (!this.#stopped && !this.#detached) {
      const n = await Deno.stdin.read(buf);
      if (n === null || this.#stopped) return;
      const { forward, detach } = splitAtDetach(buf.subarray(0, n));
      if (forward.length > 0) this.#sink.input(forward.slice());
      if (detach) this.#detached = true;
    }
  }
}
