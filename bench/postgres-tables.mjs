// How the PostgreSQL bench's results are shown in the terminal, and its goals (issue 14).
import { count, ms, ratio, table } from "./report.mjs";

const PERCENTILES = ["p50", "p95", "p99", "max"];

/** Scenario 1: one line per contender, then one per ratio to bare pg. */
export function postgresSaveTable(saves, ratios, contenders) {
  const label = (name) => contenders.find((c) => c.name === name).label;
  return table(
    ["", "p50 ms", "p95 ms", "p99 ms", "worst ms", "n"],
    [
      ...saves.map((r) => [label(r.contender), ...PERCENTILES.map((p) => ms(r[p])), count(r.n)]),
      ...Object.entries(ratios).map(([name, r]) => [
        `${name} / bare`,
        ...PERCENTILES.map((p) => ratio(r[p])),
        "",
      ]),
    ],
  );
}

/** Scenario 2: one line per number of agents. */
export function postgresThroughputTable(results) {
  return table(
    [
      "agents",
      "store saves/s",
      "bare saves/s",
      "store/bare",
      "store p50 ms",
      "store p99 ms",
      "bare p50 ms",
      "bare p99 ms",
    ],
    results.map((r) => [
      String(r.agents),
      count(Math.round(r.store.perSecond)),
      count(Math.round(r.bare.perSecond)),
      ratio(r.storeVsBare),
      ms(r.store.latency.p50),
      ms(r.store.latency.p99),
      ms(r.bare.latency.p50),
      ms(r.bare.latency.p99),
    ]),
  );
}

/** Scenario 3: one line per (threads, contender), then the ratios. */
export function postgresUpdateTable(results, ratios) {
  const lines = results.map((r) => [
    `${count(r.threadCount)} ${r.threads}`,
    r.contender,
    count(Math.round(r.perSecond)),
    ms(r.latency.p50),
    ms(r.latency.p99),
    count(r.acknowledged),
    count(r.transitions),
    r.exact ? String(r.lost) : `${r.lost} (rounds ${count(r.roundsBumped)})`,
  ]);
  return `${table(
    [
      "threads",
      "contender",
      "updates/s",
      "p50 ms",
      "p99 ms",
      "updates resolved",
      "transitions stored",
      "lost",
    ],
    lines,
  )}\n${Object.entries(ratios)
    .map(([name, value]) => `${name}: ${ratio(value)}`)
    .join("; ")}`;
}

/**
 * @returns {{ goal: string, measured: string, target: string, pass: boolean }[]}
 */
export function checkPostgresGoals({ saveRatios, sameRows, updates }) {
  const goals = ["p50", "p95"].map((p) => ({
    goal: `store.save ${p} vs a bare pg upsert of the same row`,
    measured: ratio(saveRatios.store[p]),
    target: "≤ 1.20×",
    pass: saveRatios.store[p] <= 1.2,
  }));
  goals.push({
    goal: "every contender stored the same column values",
    measured: sameRows.same ? "same" : "different",
    target: "same",
    pass: sameRows.same,
  });
  for (const r of updates) {
    goals.push({
      goal: `${r.contender} updates of ${count(r.threadCount)} ${r.threads} threads: transitions lost`,
      measured: `${r.lost} of ${count(r.acknowledged)}`,
      target: "0, rounds as many",
      pass: r.exact,
    });
  }
  return goals;
}
