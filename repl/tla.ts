/**
 * Top-level await for node:repl, which Deno's node:repl lacks: input that uses `await` is run
 * inside an async function; `const|let|var name = <expr with await>` binds `name` in the REPL
 * context once the value arrives.
 */
import vm from "node:vm";

/** The eval callback signature of node:repl. */
export type ReplEval = (
  code: string,
  context: vm.Context,
  file: string,
  cb: (err: Error | null, result?: unknown) => void,
) => void;

const DECL = /^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*([\s\S]*?);?\s*$/;

/** Wraps `fallback` so that input containing `await` is evaluated asynchronously. */
export function withTopLevelAwait(fallback: ReplEval): ReplEval {
  return (code, context, file, cb) => {
    if (!/\bawait\b/.test(code)) return fallback(code, context, file, cb);
    const decl = DECL.exec(code);
    const body = (decl ? decl[2] : code).trim().replace(/;$/, "");
    let promise: Promise<unknown>;
    try {
      promise = vm.runInContext(`(async () => (${body}))()`, context, { filename: file });
    } catch {
      // Statements rather than one expression: run them as an async function body.
      try {
        promise = vm.runInContext(`(async () => { ${body} })()`, context, { filename: file });
      } catch (e) {
        return cb(e as Error);
      }
    }
    promise.then((v) => {
      if (decl) (context as Record<string, unknown>)[decl[1]] = v;
      cb(null, v);
    }, (e) => cb(e instanceof Error ? e : new Error(String(e))));
  };
}

/**
 * Wraps `inner` so that a Promise result (a command like `create(file)` or `console(d)`) is
 * awaited before the REPL prints it and shows the prompt again.
 */
export function awaitingResults(inner: ReplEval): ReplEval {
  return (code, context, file, cb) =>
    inner(code, context, file, (err, result) => {
      // Any thenable: a promise made in the REPL's realm is no instance of this realm's Promise.
      const then = (result as { then?: unknown } | null)?.then;
      if (err || typeof then !== "function") return cb(err, result);
      (result as Promise<unknown>).then((v) => cb(null, v), (e) =>
        cb(e instanceof Error ? e : new Error(String(e))));
    });
}
