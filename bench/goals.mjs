// The goals of issue 3, checked against one run's results.
import { MB } from "./peak-rss.mjs";
import { count, ratio, table } from "./report.mjs";

/**
 * @param {object} results as collected by run.mjs
 * @param {number} goalSize the size of the save goal (10,000 in the full run)
 * @returns {{ goal: string, measured: string, target: string, pass: boolean }[]}
 */
export function checkGoals(results, goalSize) {
  const { saveRatios, concurrentSaves, openRestore, peakRss } = results;
  const goals = [];
  const add = (goal, value, limit, show, target) => {
    const strict = target.startsWith("<");
    const pass = strict ? value < limit : value <= limit;
    goals.push({ goal, measured: show(value), target, value, limit, pass });
  };

  const atGoalSize = saveRatios.bySize.find((r) => r.size === goalSize);
  add(
    `save p50 at ${count(goalSize)} vs better-sqlite3`,
    atGoalSize.journalVsSqlite,
    1.5,
    ratio,
    "≤ 1.50×",
  );

  const { from, to, ratio: growth } = saveRatios.growth;
  add(`save p50 at ${count(to)} vs at ${count(from)}`, growth, 1.3, ratio, "≤ 1.30×");

  const concurrent = concurrentSaves.oursConcurrentMs / concurrentSaves.baselineSequentialMs;
  add(
    `${concurrentSaves.saves} concurrent saves vs ${concurrentSaves.saves} sequential better-sqlite3 autocommits`,
    concurrent,
    1,
    ratio,
    "< 1.00×",
  );

  const [oursOpen, sqliteOpen] = ["journal", "sqlite"].map(
    (name) => openRestore.find((r) => r.contender === name).medianMs,
  );
  add(
    `open + restoreActive at ${count(openRestore[0].size)} vs better-sqlite3 open + select + JSON.parse`,
    oursOpen / sqliteOpen,
    2,
    ratio,
    "≤ 2.00×",
  );

  const rss = peakRss.find((r) => r.contender === "journal" && r.workload === "saves");
  add(
    `peak RSS of open + ${rss.saves} saves at ${count(rss.size)} (file ${(rss.fileBytes / MB).toFixed(1)} MB)`,
    rss.beforeCloseBytes / MB,
    rss.goalBytes / MB,
    (value) => `${value.toFixed(0)} MB`,
    `< ${(rss.goalBytes / MB).toFixed(0)} MB`,
  );
  return goals;
}

export function formatGoals(goals) {
  return table(
    ["goal", "measured", "target", "result"],
    goals.map((g) => [g.goal, g.measured, g.target, g.pass ? "pass" : "FAIL"]),
  );
}
