/**
 * The xl.cfg file format (Xen 4.17 tools/libs/util/libxlu_cfg_l.l and libxlu_cfg_y.y) parsed into
 * plain data. The grammar, as libxlu accepts it:
 *
 * - a file is statements `key = value` or `key += value`, each ended by a newline or `;`
 *   (the last may end the file); empty statements are allowed;
 * - keys are `[a-z][._0-9a-z]*`;
 * - a value is an atom or a list `[ v, v, ]` (nested lists allowed, trailing comma allowed,
 *   newlines allowed anywhere inside the brackets but not between key, `=` and value);
 * - an atom is a "double" or 'single' quoted string (one line; escapes \" \' \\ \a \b \f \n \r \t
 *   \v, \xHH, \ooo octal) or a bare number token `[0-9][0-9a-fx]*` kept as text (xl converts it
 *   with strtol base 0 when a number is wanted, so quoted "256" is as good as 256);
 * - `#` starts a comment to the end of the line;
 * - a repeated key replaces the earlier value; `+=` concatenates with it (string to string, list
 *   to list).
 *
 * Differences from libxlu, all stricter or saner: the first error stops the parse (libxlu reports
 * and goes on, then fails); \xHH and \ooo decode as in C (libxlu's decoder drops the character).
 * A CR before a newline is tolerated, and a comment may end the file without a newline. Errors name `source:line:column` and the offending text.
 */

/** A string or number token: its text, whether it was quoted, and where it started. */
export interface XlAtom {
  kind: "atom";
  text: string;
  /** True for a quoted string, false for a bare number token. */
  quoted: boolean;
  line: number;
  col: number;
}

/** A `[ ... ]` list. */
export interface XlList {
  kind: "list";
  items: XlValue[];
  line: number;
  col: number;
}

/** A setting's value. */
export type XlValue = XlAtom | XlList;

/** One key's final value and the line of its (last) assignment. */
export interface XlSetting {
  key: string;
  value: XlValue;
  line: number;
  col: number;
}

/** A parsed xl.cfg: settings by key in order of first appearance. */
export interface XlConfig {
  /** Name used in error messages (the file name, or "xl.cfg"). */
  source: string;
  settings: Record<string, XlSetting>;
}

type TokKind = "ident" | "number" | "string" | "=" | "+=" | ";" | "," | "[" | "]" | "nl" | "eof";

interface Token {
  kind: TokKind;
  /** Source text of the token; the decoded value for strings. */
  text: string;
  line: number;
  col: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\\": "\\",
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** Splits xl.cfg text into tokens; throws on a lexical error. */
function tokenize(text: string, source: string): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, lineStart = 0;
  const fail = (at: number, what: string, bad: string): never => {
    throw new Error(`${source}:${line}:${at - lineStart + 1}: ${what}: ${JSON.stringify(bad)}`);
  };
  const push = (kind: TokKind, start: number, value: string) =>
    out.push({ kind, text: value, line, col: start - lineStart + 1 });
  while (i < text.length) {
    const c = text[i];
    const start = i;
    if (c === " " || c === "\t" || (c === "\r" && text[i + 1] === "\n")) {
      i++;
    } else if (c === "\n" || c === "#") {
      while (c === "#" && i < text.length && text[i] !== "\n") i++;
      if (i < text.length) {
        push("nl", i, "\n");
        i++;
        line++;
        lineStart = i;
      }
    } else if (/[a-z]/.test(c)) {
      while (i < text.length && /[._0-9a-z]/.test(text[i])) i++;
      push("ident", start, text.slice(start, i));
    } else if (/[0-9]/.test(c)) {
      while (i < text.length && /[0-9a-fx]/.test(text[i])) i++;
      push("number", start, text.slice(start, i));
    } else if (c === '"' || c === "'") {
      i++;
      let value = "";
      for (;;) {
        if (i >= text.length || text[i] === "\n") {
          fail(start, "unterminated string", text.slice(start, i));
        }
        const ch = text[i++];
        if (ch === c) break;
        if (ch !== "\\") {
          value += ch;
          continue;
        }
        const esc = text[i] ?? "";
        if (esc in SIMPLE_ESCAPES) {
          value += SIMPLE_ESCAPES[esc];
          i++;
        } else if (esc === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
          value += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
          i += 3;
        } else if (/[0-7]/.test(esc)) {
          const digits = /^[0-7]{1,3}/.exec(text.slice(i))![0];
          value += String.fromCharCode(parseInt(digits, 8) & 0xff);
          i += digits.length;
        } else {
          fail(i - 1, "bad escape in quoted string", text.slice(i - 1, i + 1));
        }
      }
      push("string", start, value);
    } else if (c === "+" && text[i + 1] === "=") {
      i += 2;
      push("+=", start, "+=");
    } else if ("=;,[]".includes(c)) {
      i++;
      push(c as TokKind, start, c);
    } else {
      // libxlu's lexer: the bad character and the rest of the word are the error text.
      let end = i + 1;
      while (end < text.length && !/[ \t\r\n]/.test(text[end])) end++;
      fail(start, "lexical error", text.slice(start, end));
    }
  }
  push("eof", i, "");
  return out;
}

/** Parses xl.cfg text. `source` names the file in error messages. */
export function parseXlCfg(text: string, source = "xl.cfg"): XlConfig {
  const toks = tokenize(text, source);
  let p = 0;
  const peek = () => toks[p];
  const fail = (t: Token, what: string): never => {
    const shown = t.kind === "eof" ? "end of file" : t.kind === "nl" ? "end of line" : t.text;
    throw new Error(`${source}:${t.line}:${t.col}: ${what}, found ${JSON.stringify(shown)}`);
  };
  const skipNewlines = () => {
    while (peek().kind === "nl") p++;
  };
  const parseValue = (): XlValue => {
    const t = toks[p++];
    if (t.kind === "string" || t.kind === "number") {
      return { kind: "atom", text: t.text, quoted: t.kind === "string", line: t.line, col: t.col };
    }
    if (t.kind !== "[") fail(t, "expected a string, a number or '['");
    const items: XlValue[] = [];
    skipNewlines();
    while (peek().kind !== "]") {
      items.push(parseValue());
      skipNewlines();
      const sep = peek();
      if (sep.kind === ",") {
        p++;
        skipNewlines();
      } else if (sep.kind !== "]") fail(sep, "expected ',' or ']' in list");
    }
    p++;
    return { kind: "list", items, line: t.line, col: t.col };
  };
  const settings: Record<string, XlSetting> = {};
  for (;;) {
    const t = toks[p++];
    if (t.kind === "eof") break;
    if (t.kind === "nl" || t.kind === ";") continue;
    if (t.kind !== "ident") fail(t, "expected a key");
    const op = toks[p++];
    if (op.kind !== "=" && op.kind !== "+=") fail(op, `expected '=' or '+=' after "${t.text}"`);
    const valueTok = peek();
    let value = parseValue();
    const end = peek();
    if (end.kind !== "nl" && end.kind !== ";" && end.kind !== "eof") {
      fail(end, `expected end of line or ';' after the value of "${t.text}"`);
    }
    const prev = settings[t.text];
    if (op.kind === "+=" && prev) value = concat(prev.value, value, valueTok, source);
    // A re-assigned key keeps its first position but takes the latest value and line.
    settings[t.text] = { key: t.text, value, line: t.line, col: t.col };
  }
  return { source, settings };
}

/** libxlu's `+=`: strings concatenate, lists append; mixing them is an error. */
function concat(prev: XlValue, add: XlValue, at: Token, source: string): XlValue {
  if (prev.kind === "atom" && add.kind === "atom") {
    return { ...add, text: prev.text + add.text, quoted: prev.quoted || add.quoted };
  }
  if (prev.kind === "list" && add.kind === "list") {
    return { ...add, items: [...prev.items, ...add.items] };
  }
  throw new Error(
    `${source}:${at.line}:${at.col}: can't add a ${add.kind === "list" ? "list" : "string"} ` +
      `to a ${prev.kind === "list" ? "list" : "string"} with +=`,
  );
}

/**
 * xl's number conversion (strtol base 0, as xlu_cfg_get_long): 0x hex, a leading 0 octal, else
 * decimal; the whole text must be consumed. Returns undefined when it is not a number.
 */
export function xlNumber(text: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2];
  const v = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits[0] === "0"
    ? parseInt(digits.slice(1), 8)
    : parseInt(digits, 10);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === "-" ? -v : v;
}
