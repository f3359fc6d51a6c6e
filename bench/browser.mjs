// `npm run bench:browser` (or `--quick`: small sizes, few samples, not the issue's figures;
// `--profile` to take the CPU profiles even when the goal is met): in one headless Chromium
// page, the durable save of our IndexedDB target against a bare strict IndexedDB put of the
// same row, the goal of issue 15 for browsers (at most 1.3× at p50). At each size:
// - A (indexeddb): `openNegotiationStore({ persistence: indexedDbPersistence(name) })`;
// - B (bare): one object store keyed by thread id, each save one `{ durability: "strict" }`
//   readwrite transaction with one `put` of the row, its JSON columns stringified;
// - C (memory): our store on memoryPersistence, no I/O: the share of a save spent in the page.
// Each is populated in one transaction, closed and reopened; then unmeasured saves, then
// measured ones, contenders in turn save by save, order rotated every round
// (measurePostgresSaves, run inside the page). Then each save of A and B is cut where it
// calls `transaction()` and `put()` and where `complete` fires; a long run right after an
// open, past the 16 MiB checkpoint threshold, of A, B and
// - D (indexeddb-in-thread): A with `checkpointInWorker: false`, its checkpoints' images
//   taken on the page (as in an extension's service worker, which cannot start workers),
// gives the worst saves through the checkpoints, and A's saves while its checkpoint worker
// ran beside them (the page counts the workers it starts); so does the issue's own long
// run, 20,000 saves of A and B at 50,000 rows; and when A is over 1.3× a
// bare put, A and B run alone under Chromium's sampling profiler (CDP `Profiler`), for the
// functions that take the page's time. Then issue 16's tabs: a save in the writer tab against
// one forwarded from a second tab over its line (goal: 1.5× at p50) and from a third over
// the channel, and how soon a change is heard in another tab. Figures go to
// bench/results/browser-<date>-<commit>.json (`--name=<name>`; `browser-quick` for a quick
// run).
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { latencySummary } from "./postgres-save-latency.mjs";
import { count, machineInfo, ms, ratio, table, writeRunResults } from "./report.mjs";
import { saveRatios } from "./save-latency.mjs";
import { longRunTable, saveLatencyTable } from "./tables.mjs";
import { withTempFolder } from "./temp.mjs";

const quick = process.argv.includes("--quick");
const forceProfile = process.argv.includes("--profile");
const nameArg = process.argv.find((arg) => arg.startsWith("--name="))?.slice("--name=".length);

const CONFIG = quick
  ? {
      sizes: [100, 1_000],
      goalSize: 1_000,
      warmup: 100,
      samples: 300,
      profileSaves: 300,
      longRunSaves: 600,
      bigRun: null,
      tabsSize: 100,
      tabsWarmup: 20,
      tabsSamples: 100,
    }
  : {
      sizes: [100, 1_000, 10_000],
      goalSize: 10_000,
      warmup: 1_000,
      samples: 2_000,
      profileSaves: 2_000,
      // Rows of about 4 KB: past the IndexedDB target's 16 MiB checkpoint threshold.
      longRunSaves: 12_000,
      // The issue's own long run: 20,000 saves at 50,000 rows (a 200 MB database), A and B
      // alone (D's second whole database on the page would double its memory).
      bigRun: { size: 50_000, saves: 20_000 },
      tabsSize: 1_000,
      tabsWarmup: 200,
      tabsSamples: 1_000,
    };
const GOAL = 1.3;
/** Issue 16's goal: a save forwarded from another tab within 1.5× one in the writer tab, p50. */
const TABS_GOAL = 1.5;
/** The profiler's sampling interval, in µs. */
const SAMPLING_US = 100;
/** Functions shown in the terminal, and kept in the results. */
const TOP_FUNCTIONS = 15;
const KEPT_FUNCTIONS = 40;

const CONTENDERS = [
  { name: "indexeddb", page: "indexedDb", label: "A negotiation-state (indexedDbPersistence)" },
  { name: "bare", page: "bare", label: "B bare IndexedDB put, strict" },
  { name: "memory", page: "memory", label: "C negotiation-state (memory, no I/O)" },
  {
    name: "indexeddb-in-thread",
    page: "indexedDbInThread",
    label: "D negotiation-state (indexedDbPersistence, checkpointInWorker: false)",
  },
];
const [A, B, C, D] = CONTENDERS;

const started = Date.now();
const log = (line) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
const section = (title, body) => console.log(`\n${title}\n${body}`);

/**
 * The tests' Chromium finder and flags (test/support/chromium.ts), transpiled, since Node 20
 * runs no TypeScript. The bench never installs a browser: without one it stops.
 */
async function chromiumToDrive(folder) {
  const outfile = join(folder, "chromium.mjs");
  await build({
    entryPoints: ["test/support/chromium.ts"],
    outfile,
    format: "esm",
    logLevel: "silent",
  });
  const { findChromium, CHROMIUM_ARGS } = await import(pathToFileURL(outfile).href);
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error(
      "No Chromium found (CHROMIUM_PATH, /usr/bin/chromium and the like, Playwright's cache): install one (apt-get install chromium, or npx playwright install chromium) or set CHROMIUM_PATH",
    );
  }
  return { executablePath, args: CHROMIUM_ARGS };
}

/**
 * The tabs scenario: `page` opens the name first (the writer); a second tab of the same
 * context (origin) opens it next and forwards to it over the line the relay hands it; a
 * third, served from a folder without the relay, forwards over the channel. They save in
 * turn, each save timed in its own tab, with a bare channel round trip between the first
 * two; for the writer's saves, the gap between the writer tab hearing the change (once
 * durable) and the second tab hearing it, on the clock both share. The writer tab counts
 * the calls that crossed the channel while they were measured.
 */
async function tabs(context, page, url) {
  const other = await context.newPage();
  const third = await context.newPage();
  try {
    for (const [tab, at] of [
      [other, url],
      [third, new URL("no-relay/", url).href],
    ]) {
      await tab.goto(at);
      await tab.waitForFunction(() => globalThis.bench !== undefined);
    }
    const call = (tab, step, options) =>
      tab.evaluate(([step, options]) => globalThis.bench.shared[step](options), [step, options]);
    await call(page, "open", { name: "tabs", size: CONFIG.tabsSize });
    await call(other, "open", { name: "tabs", size: 0 });
    await call(third, "open", { name: "tabs", size: 0 });
    await call(page, "answerPings");
    const times = { writer: [], forwarded: [], channel: [], ping: [] };
    const tabOf = { writer: page, forwarded: other, channel: third };
    const writerThreads = [];
    let channelCalls = 0;
    let index = CONFIG.tabsSize;
    const contenders = ["writer", "forwarded", "channel", "ping"];
    for (let k = 0; k < CONFIG.tabsWarmup + CONFIG.tabsSamples; k++) {
      if (k === CONFIG.tabsWarmup) await call(page, "channelCalls");
      for (let turn = 0; turn < contenders.length; turn++) {
        const which = contenders[(turn + k) % contenders.length];
        if (which === "ping") {
          const ms = await call(other, "ping");
          if (k >= CONFIG.tabsWarmup) times.ping.push(ms);
          continue;
        }
        const saved = await call(tabOf[which], "save", {
          k,
          index: k % 2 === 0 ? index++ : undefined,
        });
        if (k < CONFIG.tabsWarmup) continue;
        times[which].push(saved.ms);
        if (which === "writer") writerThreads.push(saved.threadId);
      }
    }
    channelCalls = await call(page, "channelCalls");
    const [here, there] = await Promise.all(
      [page, other].map((tab) => call(tab, "heardAt", { threadIds: writerThreads })),
    );
    const gaps = here.map((at, i) => there[i] - at).filter((gap) => Number.isFinite(gap));
    await call(third, "close");
    await call(other, "close");
    await call(page, "close");
    return {
      writer: latencySummary(times.writer),
      forwarded: latencySummary(times.forwarded),
      channel: latencySummary(times.channel),
      ping: latencySummary(times.ping),
      eventLatency: latencySummary(gaps),
      channelCalls,
    };
  } finally {
    await third.close();
    await other.close();
  }
}

/** What A's saves made while a checkpoint worker ran came to, in a long run. */
function besideWorkersLine(run) {
  const ours = run.find((r) => r.contender === A.name);
  return ours?.besideWorkers
    ? `A started ${count(ours.checkpointWorkers)} checkpoint worker(s); its ${count(ours.besideWorkers.n)} saves while one ran: p50 ${ms(ours.besideWorkers.p50)} ms, p99 ${ms(ours.besideWorkers.p99)} ms, worst ${ms(ours.besideWorkers.max)} ms`
    : `A started ${count(ours?.checkpointWorkers ?? 0)} checkpoint worker(s) and made no save while one ran`;
}

/** p50, p95, p99, worst (ms) and n of a latency summary, as table cells. */
function percentileCells(summary) {
  return [...["p50", "p95", "p99", "max"].map((key) => ms(summary[key])), count(summary.n)];
}

/**
 * Serves the page, its bundle and the WASM from memory on 127.0.0.1 (a secure context, so
 * Web Locks exist), cross-origin isolated: only then does `performance.now()` count in
 * steps of 5 µs rather than 100 µs.
 */
async function servePage(folder) {
  const script = join(folder, "browser-page.js");
  await build({
    entryPoints: ["bench/browser-page.mjs"],
    bundle: true,
    format: "esm",
    outfile: script,
    logLevel: "silent",
  });
  const bundle = await readFile(script);
  const files = {
    "/": [
      "text/html",
      '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/browser-page.js"></script>',
    ],
    // The same page and files but the relay, one folder down: a tab of the same origin whose
    // store cannot reach the relay, and so forwards over the channel alone.
    "/no-relay/": [
      "text/html",
      '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/no-relay/browser-page.js"></script>',
    ],
    "/no-relay/browser-page.js": ["text/javascript", bundle],
    "/no-relay/sql-wasm.wasm": ["application/wasm", await readFile("dist/sql-wasm.wasm")],
    "/browser-page.js": ["text/javascript", bundle],
    "/sql-wasm.wasm": ["application/wasm", await readFile("dist/sql-wasm.wasm")],
    // Beside the bundle, as an esbuild user copies it: A's checkpoints run in it.
    "/indexed-db-checkpoint-worker.js": [
      "text/javascript",
      await readFile("dist/indexed-db-checkpoint-worker.js"),
    ],
    // Likewise: it hands the second tab of the tabs scenario its line to the writer.
    "/shared-place-relay-worker.js": [
      "text/javascript",
      await readFile("dist/shared-place-relay-worker.js"),
    ],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://127.0.0.1").pathname];
    if (file === undefined) return void response.writeHead(404).end();
    response.writeHead(200, {
      "Content-Type": file[0],
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    });
    response.end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    bundle: bundle.toString("utf8"),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * The module of each line of the bundle, from the `// path` comment esbuild writes before
 * every module it inlines.
 */
function moduleLines(bundle) {
  const starts = [];
  bundle.split("\n").forEach((line, index) => {
    const found = /^\/\/ ((?:\.\.\/)*(?:dist|bench|test|node_modules)\/\S+)$/.exec(line);
    if (found) starts.push({ line: index, module: found[1].replace(/^(\.\.\/)+/, "") });
  });
  return (line) => starts.findLast((start) => start.line <= line)?.module ?? "page";
}

/**
 * Self time by function from a CDP profile: each sample counts the time until the next
 * one. The page's idle time, the garbage collector and V8's own work apart; the WASM of
 * sql.js as one line.
 */
function selfTimes(profile, moduleOf, saves) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map();
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id);
    const us = profile.timeDeltas[i + 1] ?? 0;
    const key = frame.url.startsWith("wasm://")
      ? "(sql.js WASM)"
      : frame.url === ""
        ? frame.functionName || "(native)"
        : `${frame.functionName || `(anonymous, bundle line ${frame.lineNumber + 1})`}  ${moduleOf(frame.lineNumber)}`;
    totals.set(key, (totals.get(key) ?? 0) + us);
  });
  const idle = totals.get("(idle)") ?? 0;
  const all = [...totals.values()].reduce((sum, us) => sum + us, 0);
  const busy = all - idle;
  const busyOnly = [...totals].filter(([key]) => key !== "(idle)");
  const perSave = (entries) =>
    entries
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, usPerSave: us / saves, shareOfBusy: us / busy }));
  const groups = new Map();
  for (const [key, us] of busyOnly) groups.set(groupOf(key), (groups.get(groupOf(key)) ?? 0) + us);
  return {
    saves,
    totalMs: all / 1000,
    idleMs: idle / 1000,
    busyUsPerSave: busy / saves,
    groups: perSave([...groups]),
    functions: perSave(busyOnly),
  };
}

/** What a line of {@link selfTimes} belongs to. */
function groupOf(key) {
  if (key === "(sql.js WASM)" || key.includes("node_modules/sql.js"))
    return "sql.js (WASM and glue)";
  if (key.includes(" dist/")) return "negotiation-state (dist)";
  if (key.includes(" bench/") || key.includes(" test/")) return "bench page (inputs, bare row)";
  if (key.includes(" node_modules/")) return "big.js, valibot";
  if (/^(transaction|put|objectStore|addEventListener)$/.test(key)) return "IndexedDB calls";
  if (key.startsWith("(")) return key;
  return "other built-ins (encode, stringify, ...)";
}

/** Runs `saves` saves of one contender alone under the sampling profiler. */
async function profileContender(page, cdp, contender, moduleOf) {
  await page.evaluate((args) => globalThis.bench.prepare(args), {
    name: contender.page,
    size: CONFIG.goalSize,
    warmup: CONFIG.warmup,
  });
  await cdp.send("Profiler.start");
  const elapsed = await page.evaluate(
    (saves) => globalThis.bench.run({ saves }),
    CONFIG.profileSaves,
  );
  const { profile } = await cdp.send("Profiler.stop");
  await page.evaluate(() => globalThis.bench.finish());
  return {
    contender: contender.name,
    msPerSave: elapsed / CONFIG.profileSaves,
    ...selfTimes(profile, moduleOf, CONFIG.profileSaves),
  };
}

const PHASE_COLUMNS = {
  beforeTransaction: "until transaction()",
  transactionCall: "transaction()",
  putCall: "put()",
  commit: "put() to complete",
  afterComplete: "complete to resolved",
  whole: "whole save",
};

function phaseTable(phases) {
  const keys = Object.keys(PHASE_COLUMNS);
  const us = (value) => (value * 1000).toFixed(0);
  const [a, b] = [phases[A.name], phases[B.name]];
  return table(
    ["", ...Object.values(PHASE_COLUMNS)],
    [
      [A.label, ...keys.map((key) => us(a[key]))],
      [B.label, ...keys.map((key) => us(b[key]))],
      ["A − B", ...keys.map((key) => us(a[key] - b[key]))],
    ],
  );
}

function profileTable(profiled) {
  const lines = [];
  for (const p of profiled) {
    const label = CONTENDERS.find((c) => c.name === p.contender).label;
    lines.push(
      `${label}: ${ms(p.msPerSave)} ms a save alone, of which the page is busy ${p.busyUsPerSave.toFixed(0)} µs (${p.saves} saves, ${p.idleMs.toFixed(0)} of ${p.totalMs.toFixed(0)} ms idle)`,
      table(
        ["self time by group", "µs/save", "% of busy"],
        p.groups.map((g) => [g.name, g.usPerSave.toFixed(1), (g.shareOfBusy * 100).toFixed(1)]),
      ),
      table(
        ["self time", "µs/save", "% of busy"],
        p.functions
          .slice(0, TOP_FUNCTIONS)
          .map((f) => [f.name, f.usPerSave.toFixed(1), (f.shareOfBusy * 100).toFixed(1)]),
      ),
      "",
    );
  }
  return lines.join("\n");
}

const machine = machineInfo();
// Other processes on the machine weigh on every contender alike (they take turns), but say how much.
machine.loadAverageAtStart = loadavg();

const results = await withTempFolder(async (folder) => {
  const { executablePath, args } = await chromiumToDrive(folder);
  const site = await servePage(folder);
  let context;
  try {
    // A persistent profile on disk: the contexts of `chromium.launch` are incognito ones,
    // whose IndexedDB lives in memory and never syncs.
    context = await chromium.launchPersistentContext(join(folder, "profile"), {
      executablePath,
      args,
      headless: true,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => log(`  ${message.text()}`));
    page.on("pageerror", (error) => log(`page error: ${error.stack ?? error}`));
    await page.goto(site.url);
    await page.waitForFunction(() => globalThis.bench !== undefined);
    machine.browser = await page.evaluate(() => navigator.userAgent);
    machine.crossOriginIsolated = await page.evaluate(() => globalThis.bench.isolated());
    console.log(
      `negotiation-state ${machine.versions["negotiation-state"]} browser bench${quick ? " (quick: reduced sizes, not the issue's goals)" : ""}: ${machine.cpu}, ${machine.cores} cores, ${machine.browser}, profile in ${folder}`,
    );

    const saves = [];
    for (const size of CONFIG.sizes) {
      log(`save latency at ${count(size)} rows`);
      const measured = await page.evaluate((options) => globalThis.bench.measure(options), {
        names: [A, B, C].map((c) => c.page),
        size,
        warmup: CONFIG.warmup,
        samples: CONFIG.samples,
      });
      for (const result of measured) saves.push({ size, ...result });
    }
    const ratios = saveRatios(saves, A.name, [B.name]);
    const inProcessShare = CONFIG.sizes.map((size) => {
      const p50 = (name) => saves.find((s) => s.size === size && s.contender === name).p50;
      return { size, memoryOverIndexedDb: p50("memory") / p50(A.name) };
    });
    section(
      `Durable save latency in Chromium (ms): one awaited save at a time, half of them new rows; ${count(CONFIG.warmup)} unmeasured saves each, then ${count(CONFIG.samples)} each, contenders in turn save by save, order rotated every round`,
      saveLatencyTable(saves, ratios, CONTENDERS, A.name),
    );
    section(
      "In-process share: C p50 / A p50",
      inProcessShare
        .map((s) => `${count(s.size)} rows: ${(s.memoryOverIndexedDb * 100).toFixed(0)}%`)
        .join("\n"),
    );

    log(`phases at ${count(CONFIG.goalSize)} rows`);
    const phases = await page.evaluate((options) => globalThis.bench.phases(options), {
      size: CONFIG.goalSize,
      warmup: CONFIG.warmup,
      samples: CONFIG.samples,
    });
    section(
      `Where a save's time goes at ${count(CONFIG.goalSize)} rows (median µs; A and B interleaved as above)`,
      phaseTable(phases),
    );

    log(`a long run at ${count(CONFIG.goalSize)} rows`);
    const longRun = await page.evaluate((options) => globalThis.bench.measure(options), {
      names: [A.page, D.page, B.page],
      size: CONFIG.goalSize,
      warmup: 0,
      samples: CONFIG.longRunSaves,
    });
    section(
      `${count(CONFIG.longRunSaves)} saves at ${count(CONFIG.goalSize)} rows right after an open, A, D and B in turn save by save (A's and D's checkpoints included)`,
      longRunTable(longRun, CONTENDERS),
    );
    console.log(besideWorkersLine(longRun));

    let bigRun = null;
    if (CONFIG.bigRun) {
      const { size, saves } = CONFIG.bigRun;
      log(`a long run at ${count(size)} rows`);
      bigRun = await page.evaluate((options) => globalThis.bench.measure(options), {
        names: [A.page, B.page],
        size,
        warmup: 0,
        samples: saves,
      });
      section(
        `${count(saves)} saves at ${count(size)} rows right after an open, A and B in turn save by save (A's checkpoints included)`,
        longRunTable(bigRun, CONTENDERS),
      );
      console.log(besideWorkersLine(bigRun));
    }

    log(`three tabs at ${count(CONFIG.tabsSize)} rows`);
    const shared = await tabs(context, page, site.url);
    const overWriter = (contender) =>
      ["p50", "p95", "p99", "max"].map((key) => ratio(shared[contender][key] / shared.writer[key]));
    section(
      `Tabs of one origin on one name at ${count(CONFIG.tabsSize)} rows: the first tab writes, the second forwards its saves to it over a line, a third (served without the relay) over the channel; ${count(CONFIG.tabsWarmup)} unmeasured saves each, then ${count(CONFIG.tabsSamples)} each, half of them new rows, the tabs in turn save by save with a bare channel round trip, order rotated every round (ms)`,
      table(
        ["", "p50", "p95", "p99", "worst", "n"],
        [
          ["save in the writer tab", ...percentileCells(shared.writer)],
          ["save forwarded over a line", ...percentileCells(shared.forwarded)],
          ["line / writer", ...overWriter("forwarded"), ""],
          ["save forwarded over the channel", ...percentileCells(shared.channel)],
          ["channel / writer", ...overWriter("channel"), ""],
          ["a bare BroadcastChannel round trip between the tabs", ...percentileCells(shared.ping)],
          [
            "event: heard in the writer tab → in the second tab",
            ...percentileCells(shared.eventLatency),
          ],
        ],
      ),
    );
    console.log(
      `Calls that crossed the channel while measured: ${count(shared.channelCalls)} (the third tab's ${count(CONFIG.tabsSamples)} saves; the second tab's went over its line)`,
    );

    const overGoal = ratios.bySize.some(({ vs }) => vs[B.name].p50 > GOAL);
    let profiles = null;
    if (overGoal || forceProfile) {
      log(`CPU profiles at ${count(CONFIG.goalSize)} rows`);
      const cdp = await context.newCDPSession(page);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
      const moduleOf = moduleLines(site.bundle);
      profiles = [];
      for (const contender of [A, B])
        profiles.push(await profileContender(page, cdp, contender, moduleOf));
      section(
        `CPU profiles at ${count(CONFIG.goalSize)} rows: ${count(CONFIG.profileSaves)} saves of one contender alone, sampled every ${SAMPLING_US} µs; top self time`,
        profileTable(profiles),
      );
      // The long tail of rarely sampled functions says nothing.
      for (const p of profiles) p.functions = p.functions.slice(0, KEPT_FUNCTIONS);
    }
    return {
      saves,
      saveRatios: ratios,
      inProcessShare,
      phases,
      longRun,
      bigRun,
      tabs: shared,
      profiles,
    };
  } finally {
    // The browser first: the server's close waits for the connections it keeps alive.
    await context?.close();
    await site.close();
  }
});

machine.loadAverageAtEnd = loadavg();
const goal = results.saveRatios.bySize.map(({ size, vs }) => ({
  size,
  p50Ratio: vs[B.name].p50,
  pass: vs[B.name].p50 <= GOAL,
}));
section(
  `Goal of issue 15 in Chromium: A p50 ≤ ${GOAL}× B p50${quick ? " (quick run, not the issue's figures)" : ""}`,
  table(
    ["rows", "A / B p50", "result"],
    goal.map((g) => [count(g.size), ratio(g.p50Ratio), g.pass ? "pass" : "FAIL"]),
  ),
);

const tabsGoal = {
  p50Ratio: results.tabs.forwarded.p50 / results.tabs.writer.p50,
  pass: results.tabs.forwarded.p50 / results.tabs.writer.p50 <= TABS_GOAL,
};
section(
  `Goal of issue 16 in Chromium: a save forwarded from another tab p50 ≤ ${TABS_GOAL}× a save in the writer tab${quick ? " (quick run, not the issue's figures)" : ""}`,
  table(
    ["forwarded / writer p50", "result"],
    [[ratio(tabsGoal.p50Ratio), tabsGoal.pass ? "pass" : "FAIL"]],
  ),
);

const file = await writeRunResults(
  { prefix: "browser-", given: nameArg, quick, started, machine },
  {
    contenders: Object.fromEntries(CONTENDERS.map((c) => [c.name, c.label])),
    config: CONFIG,
    goal,
    tabsGoal,
    ...results,
  },
);
console.log(
  `\nLoad average (1, 5, 15 min) at the start ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(", ")}, at the end ${machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(", ")} on ${machine.cores} cores`,
);
console.log(`\nResults: ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
