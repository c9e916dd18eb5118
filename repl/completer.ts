/**
 * Tab completion over live objects for node:repl: a bare word completes against the REPL's
 * globals and JavaScript's; `expr.prefix` completes against the properties (own and inherited,
 * methods included) of the object `expr` names. `expr` is evaluated only when it is a chain of
 * property reads and calls of the side-effect-free lookups (`dom(1).vcpus`, `vcpu(1, 0).cpu`).
 */
import vm from "node:vm";

/** Functions whose calls completion may evaluate (pure lookups). */
const PURE_CALLS = new Set(["dom", "vcpu"]);

const IDENT = "[A-Za-z_$][\\w$]*";
const CALL = "\\([\\w\\s,\"'.]*\\)";
const CHAIN = new RegExp(`(${IDENT}(?:${CALL})?(?:\\.${IDENT}(?:${CALL})?)*)\\.(${IDENT})?$`);
const WORD = new RegExp(`(?:^|[^\\w$.])(${IDENT})?$`);

/** Property names of `obj` and its prototypes, without private-looking and builtin noise. */
export function propertyNames(obj: unknown): string[] {
  const names = new Set<string>();
  let o: unknown = obj;
  if (o === null || o === undefined) return [];
  if (typeof o !== "object" && typeof o !== "function") o = Object(o);
  for (
    let depth = 0;
    o && o !== Object.prototype && o !== Function.prototype && depth < 8;
    depth++
  ) {
    for (const n of Object.getOwnPropertyNames(o)) {
      if (n !== "constructor" && !n.startsWith("_") && /^[A-Za-z_$][\w$]*$/.test(n)) names.add(n);
    }
    o = Object.getPrototypeOf(o);
  }
  return [...names].sort();
}

/** The completions of `line` in `context`: [candidates, the fragment they complete]. */
export function complete(line: string, context: vm.Context): [string[], string] {
  const chain = CHAIN.exec(line);
  if (chain) {
    const expr = chain[1], frag = chain[2] ?? "";
    const calls = [...expr.matchAll(new RegExp(`(${IDENT})\\(`, "g"))].map((m) => m[1]);
    if (calls.some((c) => !PURE_CALLS.has(c))) return [[], frag];
    let obj: unknown;
    try {
      obj = vm.runInContext(expr, context);
    } catch {
      return [[], frag];
    }
    return [propertyNames(obj).filter((n) => n.startsWith(frag)), frag];
  }
  const frag = WORD.exec(line)?.[1] ?? "";
  const names = new Set([
    ...Object.keys(context),
    ...Object.getOwnPropertyNames(globalThis).filter((n) => /^[A-Za-z]/.test(n)),
    ...["await", "const", "let", "function", "return", "typeof", "new"],
  ]);
  return [[...names].filter((n) => n.startsWith(frag)).sort(), frag];
}
