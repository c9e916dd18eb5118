/**
 * The REPL's lab: a virt board with a guest, run in the background in slices so the prompt stays
 * responsive. Virtual time is paced to at most wall-clock time while running in the background
 * (an idle guest costs nothing; a busy one runs as fast as the host allows, up to real time).
 */
import { VirtBoard } from "../core/machine/virt_board.ts";
import { DEFAULT_GUEST_IMAGE } from "./default_guest.ts";

/** Instructions per background slice (~tens of ms on this engine). */
const SLICE = 2_000_000;

/** A board plus background run control. */
export class Lab {
  readonly board: VirtBoard;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wallStart = 0;
  #virtStart = 0;
  /** Why the guest stopped on its own (PSCI off, idle forever, exit), if it did. */
  stopped: string | undefined;
  /** Called when a background run stops at a breakpoint or watchpoint (then the lab pauses). */
  onDebugStop: ((what: string) => void) | undefined;

  constructor(board: VirtBoard) {
    this.board = board;
  }

  /** The built-in lab: the default guest on a 128 MiB virt board. */
  static defaultLab(): Lab {
    const b = new VirtBoard();
    b.loadRaw(DEFAULT_GUEST_IMAGE);
    return new Lab(b);
  }

  /** True while the guest runs in the background. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts (or continues) background running. */
  resume(): void {
    if (this.#timer !== undefined || this.stopped) return;
    this.#wallStart = performance.now();
    this.#virtStart = this.board.clock.seconds();
    const tick = () => {
      const wall = (performance.now() - this.#wallStart) / 1000;
      let budget = SLICE;
      // Ahead of the wall clock: wait for it.
      if (this.board.clock.seconds() - this.#virtStart > wall) budget = 0;
      if (budget > 0) {
        const r = this.board.run({ maxInstructions: budget });
        if (r.exit === "breakpoint" || r.exit === "watchpoint") {
          this.#timer = undefined;
          this.onDebugStop?.(r.exit);
          return;
        }
        if (r.reason !== "limit") {
          this.stopped = r.exit ? `${r.reason} (${r.exit})` : r.reason;
          this.#timer = undefined;
          return;
        }
      }
      this.#timer = setTimeout(tick, budget > 0 ? 0 : 10);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops background running at the next slice boundary. */
  pause(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
