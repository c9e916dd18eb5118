import assert from "node:assert/strict";

const MAIN = new URL("../../repl/main.ts", import.meta.url).pathname;
/** Keeps the tests' lines out of the user's history. */
const HISTORY = Deno.makeTempFileSync({ prefix: "hvlab-repl-history-" });

/** Starts the REPL with piped stdio; `send` writes a line, `waitFor` reads until a pattern. */
function startRepl(...extra: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", "--allow-env", MAIN, ...extra],
    env: { HVLAB_HISTORY: HISTORY },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  return {
    send: (line: string) => writer.write(new TextEncoder().encode(line + "\n")),
    async waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(text)) {
        const left = deadline - Date.now();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<"timeout">((
          res,
        ) => (timer = setTimeout(() => res("timeout"), left)));
        const chunk = await Promise.race([reader.read(), timeout]);
        clearTimeout(timer);
        if (chunk === "timeout" || left <= 0) {
          throw new Error(`timed out waiting for ${re}; got:\n${text}`);
        }
        if (chunk.done) throw new Error(`REPL exited before ${re}; got:\n${text}`);
        text += chunk.value;
      }
      return text;
    },
    async close() {
      await writer.close().catch(() => {});
      // The REPL exits on ".exit" or end of input; do not let a stuck child hang the suite.
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const st = await child.status;
      clearTimeout(killer);
      await reader.cancel();
      await child.stderr.cancel();
      return st;
    },
  };
}

Deno.test("REPL --board starts on the board lab and shows live CPU state", async () => {
  const r = startRepl("--board");
  await r.waitFor(/hvlab> /);
  await r.send("regs()");
  const regs = await r.waitFor(/retired=\d+/);
  assert.match(regs, /x19 [0-9a-f]{16}/);
  assert.match(regs, /pc 00000000400800[0-9a-f]{2}/, "PC inside the default guest");
  // The guest keeps running in the background: retired instructions grow between two looks.
  const first = Number(/retired=(\d+)/.exec(regs)![1]);
  await new Promise((res) => setTimeout(res, 300));
  await r.send("info()");
  const info = await r.waitFor(/(\d+) instructions retired/);
  const later = Number(/(\d+) instructions retired/.exec(info)![1]);
  assert.ok(later > first, `retired grew from ${first} to ${later}`);
  await r.send("dis(2)");
  await r.waitFor(/=> [0-9a-f]+:\s+[0-9a-f]{8}\s+\S+/);
  await r.send(".exit");
  const st = await r.close();
  assert.equal(st.code, 0);
});

Deno.test("REPL starts on the hypervisor lab: domain 1 ticks in the background", async () => {
  const r = startRepl();
  await r.waitFor(/hvlab> /);
  await r.send("list()");
  await r.waitFor(/ 1 +lab +running/);
  await r.send('runFor("3ms")');
  // 3 ms from wherever the background run stopped: at least two whole tick lines.
  const out = await r.waitFor(/ran: 3\.000 ms[^\n]*\n(d1\| [^\n]*\n){2}/);
  assert.match(out, /d1\| tick \d+/);
  await r.send("con(1, 100)");
  await r.waitFor(/hvlab domU lab on Xen 4\.17\.7: virtual timer every 1 ms/);
  await r.send(".exit");
  const st = await r.close();
  assert.equal(st.code, 0);
});
