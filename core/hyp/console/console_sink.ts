/**
 * Where a domain's console output goes on the host side: every back end (PV console, vpl011,
 * console_io) writes bytes here; the REPL, `xl console` and tests read the text or listen.
 * Input typed by a user goes the other way through `input()` to whichever back end is attached.
 */

/** The host end of one domain's console. */
export class ConsoleSink {
  readonly name: string;
  #text = "";
  /** Called with every chunk written by the guest. */
  readonly listeners: ((bytes: Uint8Array) => void)[] = [];
  /** The back end that takes typed input (PV console or vpl011), set when one attaches. */
  inputHandler: ((bytes: Uint8Array) => void) | null = null;
  readonly #pendingInput: number[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Everything the guest wrote (bytes as Latin-1 characters). */
  get text(): string {
    return this.#text;
  }

  /** The guest wrote `bytes`. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    this.#text += s;
    for (const f of this.listeners) f(bytes);
  }

  /** Types `data` into the console; kept until a back end takes input. */
  input(data: string | Uint8Array): void {
    const bytes = typeof data === "string"
      ? Uint8Array.from(data, (ch) => ch.charCodeAt(0) & 0xff)
      : data;
    this.#pendingInput.push(...bytes);
    this.flushInput();
  }

  /** Hands queued input to the back end (it calls again when it has room). */
  flushInput(): void {
    if (this.inputHandler === null || this.#pendingInput.length === 0) return;
    const bytes = Uint8Array.from(this.#pendingInput.splice(0));
    this.inputHandler(bytes);
  }

  /** Gives back input a back end could not take (its ring or FIFO was full). */
  unread(bytes: Uint8Array): void {
    this.#pendingInput.unshift(...bytes);
  }

  /** Input bytes waiting for the guest. */
  get pendingInput(): number {
    return this.#pendingInput.length;
  }
}
