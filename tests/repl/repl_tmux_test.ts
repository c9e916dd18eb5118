/**
 * The REPL in a real terminal: tmux runs `repl/main.ts` in a detached session, keys go in with
 * send-keys and the screen comes back with capture-pane. Skipped when tmux is not installed.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../repl/main.ts", import.meta.url).pathname;

function haveTmux(): boolean {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

async function tmux(...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A REPL in a tmux session. */
class TmuxRepl {
  readonly name = `hvlab-repl-${Deno.pid}-${Math.floor(performance.now())}`;

  async start(history: string): Promise<void> {
    const cmd = [
      `HVLAB_HISTORY=${history}`,
      Deno.execPath(),
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      MAIN,
    ].map((a) => `'${a}'`).join(" ");
    await tmux("new-session", "-d", "-s", this.name, "-x", "160", "-y", "50", `env ${cmd}`);
  }

  /** The screen and scrollback, wrapped lines joined. */
  screen(): Promise<string> {
    return tmux("capture-pane", "-p", "-J", "-S", "-5000", "-t", this.name);
  }

  /** Clears screen and scrollback, so the next waitFor sees only new output. */
  async clear(): Promise<void> {
    await tmux("send-keys", "-t", this.name, "C-l");
    await new Promise((r) => setTimeout(r, 100));
    await tmux("clear-history", "-t", this.name);
  }

  keys(...keys: string[]): Promise<string> {
    return tmux("send-keys", "-t", this.name, ...keys);
  }

  /** Types `line` and Enter. */
  async line(line: string): Promise<void> {
    await this.keys("-l", line);
    await this.keys("Enter");
  }

  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let s = "";
    while (Date.now() < end) {
      s = await this.screen();
      if (re.test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${re}; screen:\n${s}`);
  }

  async alive(): Promise<boolean> {
    const out = await new Deno.Command("tmux", {
      args: ["has-session", "-t", this.name],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  }

  async kill(): Promise<void> {
    if (await this.alive()) await tmux("kill-session", "-t", this.name);
  }
}

Deno.test({
  name: "REPL in a terminal (tmux): list, dom(1), help, runFor ticks, completion, console attach",
  ignore: !haveTmux(),
  async fn() {
    const history = await Deno.makeTempFile({ prefix: "hvlab-history-" });
    const r = new TmuxRepl();
    try {
      const t0 = performance.now();
      await r.start(history);
      await r.waitFor(/domain 1 "lab" \(built-in guest\) running[^\n]*\nhvlab> /);
      const startMs = performance.now() - t0;

      await r.clear();
      await r.line("list()");
      await r.waitFor(
        /ID +Name +State +Mem +VCPUs[^\n]*\n[- ]+\n +1 +lab +running [-rb]{2}--- +16 MiB +1 +1 /,
      );

      await r.clear();
      await r.line("dom(1)");
      await r.waitFor(
        /domain 1 "lab" +state running[\s\S]*VCPU +pCPU +State +Paused +PC[^\n]*\n[- ]+\n +0 +0 /,
      );

      await r.clear();
      await r.line("help()");
      const help = await r.waitFor(/help\(dom\(1\)\)[^\n]*\.exit leaves\.\n/);
      for (
        const want of ["xl-style commands:", "console(d)", 'runFor("10ms")', "vcpuPin(d, v, pcpu)"]
      ) {
        assert.ok(help.includes(want), `help() shows ${want}`);
      }

      await r.clear();
      await r.line('runFor("5ms")');
      // The background run may have stopped in the middle of a tick line: its rest comes first.
      const ran = await r.waitFor(/ran: 5\.000 ms of virtual time[^\n]*\n(d1\| [^\n]*\n)+hvlab> /);
      const ticks = [...ran.matchAll(/^d1\| tick (\d+)$/gm)].map((m) => Number(m[1]));
      assert.ok(ticks.length >= 4, `ticks ${ticks}`);
      assert.deepEqual(ticks, ticks.map((_, i) => ticks[0] + i), "consecutive ticks");

      // Tab completion over commands and live objects.
      await r.clear();
      await r.keys("-l", "vcpuL");
      await r.keys("Tab");
      // (A completion preview may leave blanks after the cursor.)
      await r.waitFor(/hvlab> vcpuList *$/m);
      await r.line("()");
      await r.waitFor(/Name +ID +VCPU +CPU +State[^\n]*\n[- ]+\nlab +1 +0 +0 /);
      await r.clear();
      await r.keys("-l", "dom(1).vcp");
      await r.keys("Tab");
      await r.waitFor(/hvlab> dom\(1\)\.vcpus *$/m);
      await r.line("[0].pcpu");
      await r.waitFor(/hvlab> dom\(1\)\.vcpus\[0\]\.pcpu\n0\n/);

      // Console attach: output streams, typed keys reach the guest (it echoes), Ctrl-] detaches.
      await r.clear();
      await r.line("console(1)");
      await r.waitFor(
        /\[attached to domain 1 "lab"'s console; Ctrl-\] detaches\]\n[^\n]*\n(tick \d+\n)+/,
      );
      await r.keys("-l", "echo-me");
      await r.keys("Enter");
      // The guest echoes the bytes as they arrive, between its tick lines.
      await r.waitFor(/echo-me/);
      await r.keys("C-]");
      await r.waitFor(/\[detached\]\nhvlab> *$/m);
      await r.clear();
      await r.line("1 + 2");
      await r.waitFor(/hvlab> 1 \+ 2\n3\n/);

      await r.line(".exit");
      const end = Date.now() + 10_000;
      while (await r.alive() && Date.now() < end) await new Promise((x) => setTimeout(x, 100));
      assert.equal(await r.alive(), false, "the REPL exited on .exit");
      const hist = await Deno.readTextFile(history);
      assert.match(hist, /^list\(\)\ndom\(1\)\nhelp\(\)\nrunFor\("5ms"\)\nvcpuList\(\)\n/);
      assert.doesNotMatch(hist, /echo-me/, "console input is not REPL history");
      assert.ok(startMs < 15_000, `prompt after ${startMs} ms`);
    } finally {
      await r.kill();
      await Deno.remove(history).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "REPL in a terminal (tmux): save, run on, restore goes back in time; a bad restore is harmless",
  ignore: !haveTmux(),
  async fn() {
    const history = await Deno.makeTempFile({ prefix: "hvlab-history-" });
    const dir = await Deno.makeTempDir({ prefix: "hvlab-snap-" });
    const file = `${dir}/lab.hvsnap`;
    const r = new TmuxRepl();
    const ranTicks = async () => {
      // A run may stop in the middle of a tick line: the next one shows its rest ("ick 4").
      const s = await r.waitFor(/ran: 3\.000 ms of virtual time[^\n]*\n(d1\| [^\n]*\n)+hvlab> *$/m);
      return {
        now: /ran: 3\.000 ms[^\n]*; now ([^\n]+)/.exec(s)![1],
        ticks: [...s.matchAll(/^d1\| \D*(\d+)$/gm)].map((m) => Number(m[1])),
      };
    };
    try {
      await r.start(history);
      await r.waitFor(/domain 1 "lab" \(built-in guest\) running[^\n]*\nhvlab> /);
      // Stopped, so nothing runs between the commands and the two runs must match exactly.
      await r.line("stop()");
      await r.waitFor(/stopped at [^\n]* of virtual time\nhvlab> *$/m);
      await r.clear();
      await r.line(`save("${file}")`);
      await r.waitFor(
        /saved \S+lab\.hvsnap: [\d.]+ [KM]iB, virtual time [^\n]*in \d+ ms\nhvlab> *$/m,
      );
      assert.ok((await Deno.stat(file)).size > 64, "the snapshot file was written");

      await r.clear();
      await r.line('runFor("3ms")');
      const before = await ranTicks();
      assert.ok(before.ticks.length >= 2, `ticks ${before.ticks}`);

      await r.clear();
      await r.line(`restore("${file}")`);
      await r.waitFor(
        /restored \S+lab\.hvsnap: virtual time [^\n]*stopped \(run\(\) starts it\)\n/,
      );
      await r.clear();
      await r.line('runFor("3ms")');
      const after = await ranTicks();
      assert.deepEqual(after, before, "the restored machine replays the same ticks");

      // A file that is not a snapshot: an error, and the machine goes on.
      await r.clear();
      await r.line(`restore("${dir}/missing.hvsnap")`);
      await r.waitFor(
        /failed: [^\n]*\nthe current machine is unchanged \(virtual time [^\n]*\nhvlab> *$/m,
      );
      await r.clear();
      await r.line('runFor("3ms")');
      const more = await ranTicks();
      assert.equal(more.ticks[0], after.ticks[after.ticks.length - 1] + 1, "ticks go on");

      await r.line(".exit");
      const end = Date.now() + 10_000;
      while (await r.alive() && Date.now() < end) await new Promise((x) => setTimeout(x, 100));
      assert.equal(await r.alive(), false, "the REPL exited on .exit");
    } finally {
      await r.kill();
      await Deno.remove(history).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
