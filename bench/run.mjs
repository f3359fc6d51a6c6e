// `npm run bench` (or `npm run bench:quick`, i.e. `--quick`: small sizes, few samples):
// runs every scenario side by side with its baseline, prints the tables and the goals of
// issue 3, and writes every figure to bench/results/<name>.json (`--name=<name>`; by
// default the date and commit, or `quick`).
import { measureConcurrentSaves } from "./concurrent-saves.mjs";
import { checkGoals, formatGoals } from "./goals.mjs";
import { measureJournalReplay } from "./journal-replay.mjs";
import { measureOpenRestore } from "./open-restore.mjs";
import { journal, memory, wholeImage } from "./ours.mjs";
import { measurePeakRss } from "./peak-rss.mjs";
import { machineInfo, ms, writeRunResults } from "./report.mjs";
import { averageRowBytes } from "./rows.mjs";
import { measureSaveLatency, saveRatios } from "./save-latency.mjs";
import { sqlite } from "./sqlite.mjs";
import {
  concurrentTable,
  journalReplayTable,
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
      saveGoalSize: 1_000,
      samples: { journal: 30, wholeImage: 5, sqlite: 30, memory: 30 },
      cellBudgetMs: 5_000,
      concurrentSize: 1_000,
      openSize: 1_000,
      rounds: 2,
      replayCounts: [100, 1_000],
      rssSize: 1_000,
      rssSaves: 20,
      childTimeoutMs: 60_000,
    }
  : {
      saveSizes: [100, 1_000, 10_000, 50_000],
      saveGoalSize: 10_000,
      samples: { journal: 200, wholeImage: 15, sqlite: 200, memory: 200 },
      cellBudgetMs: 30_000,
      concurrentSize: 10_000,
      openSize: 10_000,
      rounds: 5,
      replayCounts: [1_000, 10_000],
      rssSize: 50_000,
      rssSaves: 200,
      childTimeoutMs: 600_000,
    };

const contenders = [journal, wholeImage, sqlite];
// Whole-image saves rewrite the database file; measured alone, they cannot slow the syncs
// of the contenders that are compared with each other.
const plan = (contender) => ({
  contender,
  samples: CONFIG.samples[contender.name],
  alone: contender.name === "wholeImage",
});
const log = (line) => process.stderr.write(`${line}\n`);
const section = (title, body) => console.log(`\n${title}\n${body}`);

const started = Date.now();
const machine = machineInfo();
const rowBytes = averageRowBytes();
console.log(
  `negotiation-state ${machine.versions["negotiation-state"]} bench${quick ? " (quick: reduced sizes, not the issue's goals)" : ""}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, rows of ${rowBytes} bytes`,
);

const results = await withTempFolder(async (folder) => {
  log("1. durable save latency");
  const saveLatency = await measureSaveLatency({
    folder,
    sizes: CONFIG.saveSizes,
    plans: contenders.map(plan),
    budgetMs: CONFIG.cellBudgetMs,
    log,
  });
  const [inProcess] = await measureSaveLatency({
    folder,
    sizes: [CONFIG.saveGoalSize],
    plans: [plan(memory)],
    budgetMs: CONFIG.cellBudgetMs,
    log,
  });
  const ratios = saveRatios(saveLatency);
  section(
    "Durable save latency (ms), one awaited upsert at a time",
    `${saveLatencyTable(saveLatency, ratios, contenders)}\nthe same save with memoryPersistence (no I/O) at ${CONFIG.saveGoalSize}: p50 ${ms(inProcess.p50)} ms`,
  );

  log("2. concurrent saves");
  const concurrentSaves = await measureConcurrentSaves({
    folder,
    size: CONFIG.concurrentSize,
    rounds: CONFIG.rounds,
    ours: journal,
    baseline: sqlite,
    log,
  });
  section(
    `100 saves at ${CONFIG.concurrentSize} rows (median of ${CONFIG.rounds} rounds)`,
    concurrentTable(concurrentSaves),
  );

  log("3. open + restore");
  const openRestore = await measureOpenRestore({
    folder,
    size: CONFIG.openSize,
    rounds: CONFIG.rounds,
    contenders: [journal, sqlite],
    log,
  });
  section(
    `Open + restore active at ${CONFIG.openSize} rows (clean close, median of ${CONFIG.rounds})`,
    openRestoreTable(openRestore, contenders),
  );

  log("4. journal replay");
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

  log("5. peak RSS");
  const peakRss = await measurePeakRss({
    folder,
    size: CONFIG.rssSize,
    saves: CONFIG.rssSaves,
    contenders: [journal, sqlite],
    timeoutMs: CONFIG.childTimeoutMs,
    log,
  });
  section(
    `Peak RSS of a fresh process: open ${CONFIG.rssSize} rows, ${CONFIG.rssSaves} saves (and a restore), close`,
    peakRssTable(peakRss, contenders),
  );

  return {
    saveLatency,
    saveRatios: ratios,
    inProcessSave: inProcess,
    concurrentSaves,
    openRestore,
    journalReplay,
    peakRss,
  };
});

const goals = checkGoals(results, CONFIG.saveGoalSize);
section(`Goals of issue 3${quick ? " (at the quick sizes)" : ""}`, formatGoals(goals));

const file = await writeRunResults(
  { given: nameArg, quick, started, machine },
  {
    rowBytes,
    contenders: Object.fromEntries([...contenders, memory].map((c) => [c.name, c.label])),
    config: CONFIG,
    results,
    goals,
  },
);
console.log(`\nResults: ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
