// The goals of issue 15 (steady-state speed), checked against one run's results.
import { MB } from "./peak-rss.mjs";
import { count, ratio, table } from "./report.mjs";

/**
 * The in-process work per save before issue 15: the CPU-only scenario of this bench
 * (memoryPersistence at 10,000 rows, 1,000 warm-up and 5,000 measured saves, interleaved
 * with better-sqlite3 :memory:) run on commit 02189b9 (a worktree of it, built), the median
 * of three runs' p50 on this 2-core machine, alternated with three runs on the commit of
 * that day's bench (2454efb: 98–100 µs). The goal is half of it.
 */
export const CPU_BEFORE_ISSUE_15 = {
  commit: "02189b9",
  date: "2026-11-26",
  size: 10_000,
  oursP50Us: 167,
  baselineP50Us: 36,
};

/**
 * @param {object} results as collected by run.mjs
 * @param {number} goalSize the size of the save and restore goals (10,000 in the full run)
 * @returns {{ goal: string, measured: string, target: string, pass: boolean }[]}
 */
export function checkGoals(results, goalSize) {
  const { saveRatios, cpuPerSave, openRestoreRatios, peakRss } = results;
  const goals = [];
  const add = (goal, value, limit, show, target) => {
    goals.push({ goal, measured: show(value), target, value, limit, pass: value <= limit });
  };

  const atGoalSize = saveRatios.bySize.find((r) => r.size === goalSize);
  add(
    `durable save p50 at ${count(goalSize)} rows vs better-sqlite3 (steady state)`,
    atGoalSize.vs.sqlite.p50,
    1.3,
    ratio,
    "≤ 1.30×",
  );
  add(
    `  stretch, node-sqlite3-wasm's level (${ratio(atGoalSize.vs.sqlite.p50 / atGoalSize.vs.sqliteWasm.p50)} in this run)`,
    atGoalSize.vs.sqlite.p50,
    1.15,
    ratio,
    "≤ 1.15×",
  );

  const limitUs = CPU_BEFORE_ISSUE_15.oursP50Us / 2;
  add(
    `in-process work per save at ${count(cpuPerSave.size)} rows (memoryPersistence p50; ${CPU_BEFORE_ISSUE_15.oursP50Us} µs on ${CPU_BEFORE_ISSUE_15.commit})`,
    cpuPerSave.results[0].p50 * 1000,
    limitUs,
    (value) => `${value.toFixed(0)} µs`,
    `≤ ${limitUs.toFixed(0)} µs`,
  );

  add(
    `open + restoreActive at ${count(goalSize)} vs better-sqlite3 open + select + JSON.parse`,
    openRestoreRatios.sqlite.ofMedians,
    1.3,
    ratio,
    "≤ 1.30×",
  );

  const longest = results.longRun.find((r) => r.contender === "journal");
  add(
    `worst save of ${count(longest.n)} saves at ${count(longest.size)} rows (checkpoints included)`,
    longest.max,
    50,
    (value) => `${value.toFixed(0)} ms`,
    "≤ 50 ms",
  );

  const rss = peakRss.find((r) => r.contender === "journal" && r.workload === "saves");
  add(
    `peak RSS of open + ${rss.saves} saves at ${count(rss.size)} (file ${(rss.fileBytes / MB).toFixed(1)} MB)`,
    rss.beforeCloseBytes / MB,
    rss.goalBytes / MB,
    (value) => `${value.toFixed(0)} MB`,
    `≤ ${(rss.goalBytes / MB).toFixed(0)} MB`,
  );
  return goals;
}

export function formatGoals(goals) {
  return table(
    ["goal", "measured", "target", "result"],
    goals.map((g) => [g.goal, g.measured, g.target, g.pass ? "pass" : "FAIL"]),
  );
}
