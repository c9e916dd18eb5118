/**
 * Where a domain's console output goes on the host side: every back end (PV console, vpl011,
 * console_io) writes bytes here; the REPL, `xl console` and tests read the text or listen.
 * Input typed by a user goes the other way through `input()` to whichever back end is attached.
 */
import { int, obj, show, StateError, str, typed } from "../state_check.ts";

/** A sink as plain data (listeners and the input handler are wiring, re-attached by owners). */
export interface ConsoleSinkState {
  /** The sink's name (restore refuses another sink's state). */
  name: string;
  /** Everything the guest wrote so far. */
  text: string;
  /** Typed input no back end has taken yet. */
  pendingInput: Uint8Array;
}

/** The host end of one domain's console. */
export class ConsoleSink {
  readonly name: string;
  #text = "";
  /** Called with every chunk written by the guest. */
  readonly listeners: ((bytes: Uint8Array) => void)[] = [];
  /** The back end that takes typed input (PV console or vpl011), set when one attaches. */
  inputHandler: ((bytes: Uint8Array) => void) | null = null;
  #pendingInput: number[] = [];

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

  /** The text and the pending input. */
  save(): ConsoleSinkState {
    return { name: this.name, text: this.#text, pendingInput: Uint8Array.from(this.#pendingInput) };
  }

  /**
   * Replaces the text and the pending input with `state`'s (nothing is written to listeners or
   * handed to the back end). Throws StateError naming the bad field, leaving the sink unchanged.
   */
  restore(state: ConsoleSinkState): void {
    const s = obj(state, "console");
    if (s.name !== this.name) {
      throw new StateError(`console.name: ${show(s.name)} is not this sink's ${this.name}`);
    }
    const text = str(s.text, "console.text");
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > 0xff) int(text.charCodeAt(i), `console.text[${i}]`, 0, 0xff);
    }
    const input = typed(s.pendingInput, "console.pendingInput", Uint8Array);
    this.#text = text;
    this.#pendingInput = Array.from(input);
  }
}
