/**
 * Spots a Linux kernel panic in a console stream. A panicking Linux guest on Xen/Arm does not
 * shut the domain down (with the default panic=0 it spins forever), so the only sign is its
 * console; the watch keeps the panic line for the message and notes when Linux has finished
 * printing ("---[ end Kernel panic"), so that the report can wait for the whole dump.
 */

/** What Linux's panic() prints first. */
export const PANIC_MARKER = "Kernel panic - not syncing";
/** What Linux's panic() prints last, before it waits forever. */
export const PANIC_END_MARKER = "---[ end Kernel panic";

const KEEP = Math.max(PANIC_MARKER.length, PANIC_END_MARKER.length);
/** A panic line longer than this is cut (a guest could print one without a newline). */
const MAX_LINE = 500;

/** Watches one console's bytes for a kernel panic. */
export class PanicWatch {
  /** The tail of the text seen so far (markers may be split across writes). */
  #tail = "";
  /** The panic line ("Kernel panic - not syncing: ..."), once seen and complete. */
  line: string | null = null;
  /** True once the marker was seen (the line may still be incomplete). */
  seen = false;
  /** True once Linux printed the end of its panic report. */
  ended = false;

  /** Feeds console bytes (Latin-1, as the console sink keeps them). */
  feed(bytes: Uint8Array): void {
    if (this.ended) return;
    let s = this.#tail;
    for (const b of bytes) s += String.fromCharCode(b);
    if (!this.seen) {
      const i = s.indexOf(PANIC_MARKER);
      if (i < 0) {
        this.#tail = s.slice(-KEEP);
        return;
      }
      this.seen = true;
      s = s.slice(i);
    }
    if (this.line === null) {
      const nl = s.search(/[\r\n]/);
      if (nl < 0 && s.length < MAX_LINE) {
        this.#tail = s; // keep the whole partial panic line
        return;
      }
      this.line = s.slice(0, nl < 0 ? MAX_LINE : nl);
    }
    if (s.includes(PANIC_END_MARKER)) this.ended = true;
    this.#tail = s.slice(-KEEP);
  }
}
