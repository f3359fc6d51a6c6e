// `npm run bench` (or `npm run bench:quick`, i.e. `--quick`: small sizes, few samples, not
// the issue's figures): every scenario side by side with its baselines, in steady state and
// interleaved, then the goals of issue 15; every figure goes to bench/results/<name>.json
// (`--name=<name>`; by default the date and commit, or `quick`).
// 1. durable save latency at 100 to 50,000 rows, against better-sqlite3 and node-sqlite3-wasm;
// 2. in-process work per save (no I/O): memoryPersistence against better-sqlite3 :memory:;
// 3. 100 concurrent saves against 100 sequential better-sqlite3 autocommits;
// 4. open + restoreActive against open + select + JSON.parse;
// 5. open after a SIGKILL (journal replay);
// 6. peak RSS of a fresh process;
// 7. the worst save of a long run at 50,000 rows, through the checkpoints it triggers.
import { loadavg } from "node:os";
import { measureConcurrentSaves } from "./concurrent-saves.mjs";
import { CPU_BEFORE_ISSUE_15, checkGoals, formatGoals } from "./goals.mjs";
import { measureJournalReplay } from "./journal-replay.mjs";
import { measureOpenRestore, openRestoreRatio } from "./open-restore.mjs";
import { journal, memory } from "./ours.mjs";
import { measurePeakRss } from "./peak-rss.mjs";
import { count, machineInfo, writeRunResults } from "./report.mjs";
import { averageRowBytes } from "./rows.mjs";
import { measureSaveLatency, saveRatios } from "./save-latency.mjs";
import { sqlite, sqliteMemory } from "./sqlite.mjs";
import { sqliteWasm } from "./sqlite-wasm.mjs";
import {
  concurrentTable,
  cpuTable,
  journalReplayTable,
  longRunTable,
  openRestoreTable,
  peakRssTable,
  saveLatencyTable,
} from "./tables.mjs";
import { withTempFolder } from "./temp.mjs";

const quick = process.argv.includes("--quick");
const nameArg = process.argv.find((arg) => arg.startsWith("--name="))?.slice("--name=".length);

const CONFIG = quick
  ? {
      saveSizes: [100, 1_000],
      goalSize: 1_000,
      saveWarmup: 200,
      saveSamples: 300,
      cpuWarmup: 200,
      cpuSamples: 1_000,
      openRounds: 3,
      concurrentSize: 1_000,
      rounds: 2,
      replayCounts: [100, 1_000],
      rssSize: 1_000,
      rssSaves: 20,
      longRunSize: 1_000,
      longRunSaves: 2_000,
      childTimeoutMs: 60_000,
    }
  : {
      saveSizes: [100, 1_000, 10_000, 50_000],
      goalSize: 10_000,
      // better-sqlite3's WAL file grows for about 150 saves after an open.
      saveWarmup: 1_000,
      saveSamples: 2_000,
      cpuWarmup: 1_000,
      cpuSamples: 5_000,
      openRounds: 7,
      concurrentSize: 10_000,
      rounds: 5,
      replayCounts: [1_000, 10_000],
      rssSize: 50_000,
      rssSaves: 200,
      // 20,000 saves of rows of about 4 KB: the journal passes its 64 MiB checkpoint threshold.
      longRunSize: 50_000,
      longRunSaves: 20_000,
      childTimeoutMs: 600_000,
    };

const durable = [journal, sqlite, sqliteWasm];
const allContenders = [...durable, memory, sqliteMemory];
const log = (line) => process.stderr.write(`${line}\n`);
const section = (title, body) => console.log(`\n${title}\n${body}`);

const started = Date.now();
const machine = machineInfo();
// Other processes on the machine weigh on every contender alike (they take turns), but say how much.
machine.loadAverageAtStart = loadavg();
const rowBytes = averageRowBytes();
console.log(
  `negotiation-state ${machine.versions["negotiation-state"]} bench${quick ? " (quick: reduced sizes, not the issue's goals)" : ""}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, rows of ${rowBytes} bytes`,
);

const results = await withTempFolder(async (folder) => {
  log("1. durable save latency");
  const saveLatency = await measureSaveLatency({
    folder,
    sizes: CONFIG.saveSizes,
    contenders: durable,
    warmup: CONFIG.saveWarmup,
    samples: CONFIG.saveSamples,
    log,
  });
  const ratios = saveRatios(saveLatency, journal.name, [sqlite.name, sqliteWasm.name]);
  section(
    `Durable save latency (ms): one awaited upsert at a time, half of them new rows; ${count(CONFIG.saveWarmup)} unmeasured saves each, then ${count(CONFIG.saveSamples)} each, contenders in turn save by save, order rotated every round`,
    saveLatencyTable(saveLatency, ratios, durable, journal.name),
  );

  log("2. in-process work per save");
  const cpuResults = await measureSaveLatency({
    folder,
    sizes: [CONFIG.goalSize],
    contenders: [memory, sqliteMemory],
    warmup: CONFIG.cpuWarmup,
    samples: CONFIG.cpuSamples,
    log,
  });
  const cpuPerSave = { size: CONFIG.goalSize, results: cpuResults };
  section(
    `In-process work per save at ${count(CONFIG.goalSize)} rows, no I/O (µs): ${count(CONFIG.cpuWarmup)} unmeasured saves each, then ${count(CONFIG.cpuSamples)} each, interleaved`,
    cpuTable(cpuPerSave, allContenders, CPU_BEFORE_ISSUE_15),
  );

  log("3. concurrent saves");
  const concurrentSaves = await measureConcurrentSaves({
    folder,
    size: CONFIG.concurrentSize,
    rounds: CONFIG.rounds,
    ours: journal,
    baseline: sqlite,
    log,
  });
  section(
    `100 saves at ${count(CONFIG.concurrentSize)} rows (median of ${CONFIG.rounds} rounds)`,
    concurrentTable(concurrentSaves),
  );

  log("4. open + restore");
  const openRestore = await measureOpenRestore({
    folder,
    size: CONFIG.goalSize,
    rounds: CONFIG.openRounds,
    contenders: durable,
    log,
  });
  const openRestoreRatios = Object.fromEntries(
    [sqlite, sqliteWasm].map((b) => [b.name, openRestoreRatio(openRestore, journal.name, b.name)]),
  );
  section(
    `Open + restore active at ${count(CONFIG.goalSize)} rows after a clean close (median of ${CONFIG.openRounds} rounds after an unmeasured one, contenders in turn, order rotated every round)`,
    openRestoreTable(openRestore, openRestoreRatios, durable, journal.name),
  );

  log("5. journal replay");
  const journalReplay = await measureJournalReplay({
    folder,
    counts: CONFIG.replayCounts,
    rounds: CONFIG.rounds,
    ours: journal,
    timeoutMs: CONFIG.childTimeoutMs,
    log,
  });
  section(
    `Open after a SIGKILL (journal replay) vs after a clean close (median of ${CONFIG.rounds})`,
    journalReplayTable(journalReplay),
  );

  log("6. peak RSS");
  const peakRss = await measurePeakRss({
    folder,
    size: CONFIG.rssSize,
    saves: CONFIG.rssSaves,
    contenders: [journal, sqlite],
    timeoutMs: CONFIG.childTimeoutMs,
    log,
  });
  section(
    `Peak RSS of a fresh process: open ${count(CONFIG.rssSize)} rows, ${CONFIG.rssSaves} saves (and a restore), close`,
    peakRssTable(peakRss, allContenders),
  );

  log("7. a long run");
  const longRun = await measureSaveLatency({
    folder,
    sizes: [CONFIG.longRunSize],
    contenders: [journal, sqlite],
    warmup: 0,
    samples: CONFIG.longRunSaves,
    log,
  });
  section(
    `${count(CONFIG.longRunSaves)} saves at ${count(CONFIG.longRunSize)} rows right after an open, contenders in turn save by save (the checkpoints they trigger included)`,
    longRunTable(longRun, durable),
  );

  return {
    saveLatency,
    saveRatios: ratios,
    longRun,
    cpuPerSave,
    concurrentSaves,
    openRestore,
    openRestoreRatios,
    journalReplay,
    peakRss,
  };
});

machine.loadAverageAtEnd = loadavg();
const goals = checkGoals(results, CONFIG.goalSize);
section(`Goals of issue 15${quick ? " (at the quick sizes)" : ""}`, formatGoals(goals));

const file = await writeRunResults(
  { given: nameArg, quick, started, machine },
  {
    rowBytes,
    contenders: Object.fromEntries(allContenders.map((c) => [c.name, c.label])),
    config: CONFIG,
    cpuBeforeIssue15: CPU_BEFORE_ISSUE_15,
    results,
    goals,
  },
);
console.log(
  `\nLoad average (1, 5, 15 min) at the start ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(", ")}, at the end ${machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(", ")} on ${machine.cores} cores`,
);
console.log(`\nResults: ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
