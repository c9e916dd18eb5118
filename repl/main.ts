/**
 * `deno task repl`: an interactive session on a live machine. By default a hypervisor lab —
 * `new Hypervisor({pcpus: 2})` with the built-in Xen domU (guests/lab/domu_lab.S) running in the
 * background; `--board` (or `--elf guest.elf`) gives the bare virt board with the board guest
 * (guests/lab/default_lab.S) or the ELF instead.
 *
 * Usage: deno task repl [--board | --elf guest.elf] [--paused]
 */
import repl from "node:repl";
import vm from "node:vm";
import { parseArgs } from "node:util";
import { VirtBoard } from "../core/machine/virt_board.ts";
import { boardSession } from "./board_session.ts";
import { complete } from "./completer.ts";
import { historyPath, setupHistory } from "./history.ts";
import { HvLab } from "./hv_lab.ts";
import { hvSession } from "./hv_session.ts";
import { Lab } from "./lab.ts";
import { awaitingResults, type ReplEval, withTopLevelAwait } from "./tla.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { elf: { type: "string" }, board: { type: "boolean" }, paused: { type: "boolean" } },
});
const print = (s: string) => console.log(s);

let globals: PropertyDescriptorMap;
let writer: ((v: unknown) => string) | undefined;
let stopBackground: () => void;
let onReady: (server: repl.REPLServer) => void = () => {};

if (values.elf || values.board) {
  const board = new VirtBoard();
  let lab: Lab;
  if (values.elf) {
    board.loadElf(await Deno.readFile(values.elf));
    lab = new Lab(board);
  } else lab = Lab.defaultLab();
  globals = Object.fromEntries(
    Object.entries(boardSession(lab, print)).map(([k, v]) => [k, { value: v, enumerable: true }]),
  );
  print(`hvlab — ${values.elf ?? "default lab"} on the virt board; type help() for commands`);
  if (!values.paused) lab.resume();
  stopBackground = () => lab.pause();
} else {
  const lab = HvLab.defaultLab();
  const session = hvSession(lab, print);
  globals = session.globals;
  writer = session.writer;
  const d = [...lab.hv.domains.values()][0];
  print(
    `hvlab — Xen ${lab.hv.version.major}.${lab.hv.version.minor}${lab.hv.version.extra} lab, ` +
      `${lab.hv.pcpus.length} pCPUs, domain ${d.id} "${d.name}" (built-in guest) ` +
      `${values.paused ? "built, stopped (run() starts it)" : "running"}; type help()`,
  );
  onReady = (server) => {
    session.afterAsyncOutput = () => server.displayPrompt(true);
  };
  if (!values.paused) lab.resume();
  stopBackground = () => lab.pause();
}

const server = repl.start({
  prompt: "hvlab> ",
  useGlobal: false,
  ignoreUndefined: true,
  ...(writer ? { writer } : {}),
  completer: (line: string, cb: (err: null, r: [string[], string]) => void) =>
    cb(null, complete(line, server.context as vm.Context)),
});
Object.defineProperties(server.context, globals);
const defaultEval = server.eval as unknown as ReplEval;
(server as unknown as { eval: ReplEval }).eval = awaitingResults(withTopLevelAwait(defaultEval));
const hist = historyPath();
if (hist) setupHistory(server, hist);
onReady(server);
server.on("exit", () => {
  stopBackground();
  Deno.exit(0);
});
