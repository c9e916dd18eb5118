/**
 * Latency histogram SVGs parse as XML with a real parser (fast-xml-parser) and hold the bars,
 * tick labels, markers and titles the samples call for; titles are escaped; the binning and
 * tick arithmetic behind them; bad input is refused by value.
 */
import assert from "node:assert/strict";
// Pinned here rather than in deno.json's imports: this test is the parser's only user.
// deno-lint-ignore no-import-prefix
import { XMLParser, XMLValidator } from "npm:fast-xml-parser@4.5.0";
import { latencyHistogramSvg, latencyPanelSvg } from "../../tools/trace/latency_svg.ts";
import {
  binCounts,
  binRange,
  formatNs,
  niceStep,
  nsFormatter,
  ticks,
} from "../../tools/trace/histogram.ts";

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  textNodeName: "#text",
  isArray: (name) => ["g", "rect", "text", "line"].includes(name),
});

/** The parsed <svg> element, after checking the document is well-formed XML. */
function parseSvg(svg: string): Node {
  assert.equal(XMLValidator.validate(svg), true);
  const doc = parser.parse(svg) as Node;
  const root = doc.svg as Node;
  assert.equal(root.xmlns, "http://www.w3.org/2000/svg");
  return root;
}

function groups(root: Node): Node[] {
  return (root.g as Node[]).filter((g) => g.class === "histogram");
}

function texts(g: Node, cls: string): string[] {
  return ((g.text ?? []) as Node[]).filter((t) => t.class === cls).map((t) => String(t["#text"]));
}

function bars(g: Node): Node[] {
  return ((g.rect ?? []) as Node[]).filter((r) => r.class === "bar");
}

Deno.test("latency svg: one histogram has its bars, ticks, title and statistics", () => {
  const svg = latencyHistogramSvg({
    title: "credit2",
    samplesNs: [100, 120, 150, 990],
    binNs: 100,
    stats: { avgNs: 340, maxNs: 990 },
  });
  const root = parseSvg(svg);
  assert.equal(root.width, "800");
  assert.equal(root.height, "300");
  assert.equal(root.title, "credit2");
  const [g] = groups(root);
  // Bins [100, 200) and [900, 1000) hold samples; the seven between are empty and not drawn.
  const b = bars(g);
  assert.equal(b.length, 2);
  const heights = b.map((r) => Number(r.height));
  assert.equal(heights[0], 256 - 34, "the fullest bin spans the plot height");
  assert.ok(Math.abs(heights[1] - heights[0] / 3) < 0.02);
  assert.ok(Number(b[0].x) < Number(b[1].x));
  assert.deepEqual(texts(g, "xtick"), ["0.2 µs", "0.4 µs", "0.6 µs", "0.8 µs", "1.0 µs"]);
  assert.deepEqual(texts(g, "ytick"), ["0", "1", "2", "3"]);
  assert.deepEqual(texts(g, "title"), ["credit2"]);
  assert.deepEqual(texts(g, "stat"), ["AVG 340 ns", "MAX 990 ns"]);
  assert.equal((g.line as Node[]).filter((l) => l.class === "marker").length, 2);
  assert.deepEqual(texts(g, "axis-label"), ["latency (4 samples, 100 ns bins)"]);
});

Deno.test("latency svg: all four statistics, and markers outside the samples widen the axis", () => {
  const svg = latencyHistogramSvg({
    title: "t",
    samplesNs: [5000, 5100, 5200],
    stats: { minNs: 5000, avgNs: 5100, maxNs: 40_000, warmMaxNs: 9000 },
  });
  const [g] = groups(parseSvg(svg));
  assert.deepEqual(texts(g, "stat"), ["MIN 5 µs", "AVG 5.1 µs", "WARM_MAX 9 µs", "MAX 40 µs"]);
  const markers = (g.line as Node[]).filter((l) => l.class === "marker").map((l) => Number(l.x1));
  assert.ok(markers.every((x) => x >= 64 && x <= 776), `${markers}`);
  assert.ok(
    markers[3] > markers[2] && markers[2] > markers[1],
    "MAX right of WARM_MAX right of AVG",
  );
});

Deno.test("latency svg: titles are escaped and read back as written", () => {
  const title = `irq <27> & "evtchn" 'd1'`;
  const svg = latencyHistogramSvg({ title, samplesNs: [1, 2, 3] });
  assert.ok(!svg.includes("<27>"));
  assert.ok(svg.includes("irq &lt;27&gt; &amp; &quot;evtchn&quot; &apos;d1&apos;"));
  const root = parseSvg(svg);
  assert.equal(root.title, title);
  assert.deepEqual(texts(groups(root)[0], "title"), [title]);
  const panel = latencyPanelSvg([{ title: "a<b", samplesNs: [1] }], { title: "x & y" });
  const proot = parseSvg(panel);
  assert.equal(proot.title, "x & y");
  assert.deepEqual(texts(proot, "title"), ["x & y"]);
});

Deno.test("latency svg: a panel stacks one row per configuration on one x scale", () => {
  const configs = [
    { title: "credit2", samplesNs: [2000, 2100, 2500, 2600], stats: { avgNs: 2300 } },
    { title: "rtds", samplesNs: [8000, 9100, 10_900] },
    { title: "null", samplesNs: [] },
  ];
  const root = parseSvg(latencyPanelSvg(configs, { title: "IRQ latency", binNs: 1000 }));
  assert.equal(root.height, String(30 + 3 * 220));
  assert.deepEqual(texts(root, "title"), ["IRQ latency"]);
  const rows = groups(root);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((g) => texts(g, "title")[0]), ["credit2", "rtds", "null"]);
  // Bins of 1 µs from 2 µs: credit2 fills one, rtds three, null none.
  assert.deepEqual(rows.map((g) => bars(g).length), [1, 3, 0]);
  const x = texts(rows[0], "xtick");
  assert.ok(x.length >= 3, `${x}`);
  for (const g of rows) assert.deepEqual(texts(g, "xtick"), x, "the same x scale in every row");
  assert.deepEqual(texts(rows[2], "empty"), ["no samples"]);
  assert.deepEqual(rows.map((g) => texts(g, "stat").length), [1, 0, 0]);
  // Rows do not overlap: each row's bars lie within its band.
  rows.forEach((g, i) => {
    for (const r of bars(g)) {
      const top = Number(r.y), bottom = top + Number(r.height);
      assert.ok(top >= 30 + i * 220 && bottom <= 30 + (i + 1) * 220, `row ${i}: ${top}..${bottom}`);
    }
  });
});

Deno.test("latency svg: an outlier bin stays visible next to a tall peak", () => {
  const samples = [...new Array(100_000).fill(1000), 50_000];
  const [g] = groups(parseSvg(latencyHistogramSvg({ title: "tail", samplesNs: samples })));
  const b = bars(g);
  assert.equal(b.length, 2);
  assert.ok(Number(b[1].height) >= 2);
});

Deno.test("latency svg: bad input is refused, naming the value", () => {
  assert.throws(
    () => latencyHistogramSvg({ title: "t", samplesNs: [1, NaN] }),
    /latency "t": sample 1 is NaN/,
  );
  assert.throws(
    () => latencyHistogramSvg({ title: "t", samplesNs: [-5] }),
    /latency "t": sample 0 is -5/,
  );
  assert.throws(
    () => latencyHistogramSvg({ title: "t", samplesNs: [1], binNs: 0 }),
    /bin width 0 ns/,
  );
  assert.throws(
    () => latencyHistogramSvg({ title: "t", samplesNs: [0, 1e9], binNs: 1 }),
    /1000000001 bins of 1 ns/,
  );
  assert.throws(
    () => latencyHistogramSvg({ title: "t", samplesNs: [1], stats: { maxNs: -1 } }),
    /latency "t": MAX is -1/,
  );
  assert.throws(() => latencyHistogramSvg({ title: "t", samplesNs: [1], width: 50 }), /too small/);
  assert.throws(() => latencyHistogramSvg({ title: "t", samplesNs: [1], height: 0.5 }), /height/);
  assert.throws(() => latencyPanelSvg([]), /no configurations/);
});

Deno.test("histogram: nice steps, bin ranges, counts, ticks and labels", () => {
  assert.deepEqual([0.3, 1, 1.5, 3, 7, 10, 11, 128.6, 5000].map(niceStep), [
    1,
    1,
    2,
    5,
    10,
    10,
    20,
    200,
    5000,
  ]);
  assert.deepEqual(binRange(150, 990, 100), { binNs: 100, startNs: 100, bins: 9 });
  assert.deepEqual(binRange(1000, 1000), { binNs: 1, startNs: 1000, bins: 1 });
  assert.equal(binRange(0, 40_000).binNs, 1000);
  const range = binRange(0, 299, 100);
  assert.deepEqual(binCounts([0, 99, 100, 299, 250], range), [2, 1, 2]);
  assert.throws(() => binCounts([300], range), /sample 0 \(300 ns\) is outside/);
  assert.throws(() => binRange(10, 5), /\[10, 5\]/);
  assert.deepEqual(ticks(100, 1000, 7), [200, 400, 600, 800, 1000]);
  assert.deepEqual(ticks(0, 3, 7), [0, 1, 2, 3]);
  // Labels for close ticks keep enough decimals to differ.
  const f = nsFormatter(1, 10_003);
  assert.deepEqual([10_001, 10_002].map(f), ["10.001 µs", "10.002 µs"]);
  assert.equal(nsFormatter(5000, 20_000)(15_000), "15 µs");
  assert.equal(nsFormatter(200, 800)(600), "600 ns");
  assert.equal(nsFormatter(500_000, 2_000_000)(1_500_000), "1.5 ms");
  assert.deepEqual([0, 999, 5210, 12_345_678, 3e9].map(formatNs), [
    "0 ns",
    "999 ns",
    "5.21 µs",
    "12.3 ms",
    "3 s",
  ]);
});
