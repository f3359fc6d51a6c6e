// How each scenario's results are shown in the terminal.
import { MB } from "./peak-rss.mjs";
import { count, ms, ratio, table } from "./report.mjs";

const PERCENTILES = ["p50", "p95", "p99", "max"];

/**
 * Save latency: at each size one line per contender, then one per ratio of ours to a
 * baseline, percentile by percentile.
 */
export function saveLatencyTable(saves, ratios, contenders, ours) {
  const label = (name) => contenders.find((c) => c.name === name).label;
  const lines = [];
  for (const { size, vs } of ratios.bySize) {
    for (const r of saves.filter((s) => s.size === size)) {
      lines.push([
        count(size),
        label(r.contender),
        ...PERCENTILES.map((p) => ms(r[p])),
        count(r.n),
      ]);
    }
    for (const [baseline, r] of Object.entries(vs)) {
      lines.push(["", `${ours} / ${baseline}`, ...PERCENTILES.map((p) => ratio(r[p])), ""]);
    }
  }
  const { from, to, ratio: growth } = ratios.growth;
  return `${table(["rows", "", "p50 ms", "p95 ms", "p99 ms", "worst ms", "n"], lines)}\n${ours} p50 at ${count(to)} / at ${count(from)}: ${ratio(growth)}`;
}

/** In-process work per save (no I/O), in µs. */
export function cpuTable(cpu, contenders, today) {
  const label = (name) => contenders.find((c) => c.name === name).label;
  const us = (value) => (value * 1000).toFixed(1);
  const [ours, baseline] = cpu.results;
  return `${table(
    ["", "p50 µs", "mean µs", "p95 µs", "p99 µs", "n"],
    [
      ...cpu.results.map((r) => [
        label(r.contender),
        us(r.p50),
        us(r.mean),
        us(r.p95),
        us(r.p99),
        count(r.n),
      ]),
      [`${ours.contender} / ${baseline.contender}`, ratio(ours.p50 / baseline.p50), "", "", "", ""],
    ],
  )}\nbefore issue 15 (commit ${today.commit}, ${today.date}): ${today.oursP50Us} µs p50 (better-sqlite3 :memory: ${today.baselineP50Us} µs in the same runs); now ${ratio(ours.p50 / (today.oursP50Us / 1000))} of it`;
}

/** Concurrent saves. */
export function concurrentTable(r) {
  return table(
    ["", "total ms", "per save ms"],
    [
      [
        `${r.saves} concurrent store.save (journal)`,
        ms(r.oursConcurrentMs),
        ms(r.oursConcurrentMs / r.saves),
      ],
      [
        `${r.saves} sequential better-sqlite3 autocommits`,
        ms(r.baselineSequentialMs),
        ms(r.baselineSequentialMs / r.saves),
      ],
      ["ratio", ratio(r.oursConcurrentMs / r.baselineSequentialMs), ""],
    ],
  );
}

/** Open + restore: the medians, then each baseline's ratios. */
export function openRestoreTable(results, ratios, contenders, ours) {
  const label = (name) => contenders.find((c) => c.name === name).label;
  return table(
    ["", "median ms", "min ms", "max ms"],
    [
      ...results.map((r) => [
        label(r.contender),
        ms(r.medianMs),
        ms(Math.min(...r.durations)),
        ms(Math.max(...r.durations)),
      ]),
      ...Object.entries(ratios).map(([baseline, r]) => [
        `${ours} / ${baseline} (median of each round's ratio)`,
        `${ratio(r.ofMedians)} (${ratio(r.medianOfRounds)})`,
        "",
        "",
      ]),
    ],
  );
}

/** Journal replay. */
export function journalReplayTable(results) {
  return table(
    ["journal records", "files after kill", "replay open ms", "clean open ms", "replay/clean"],
    results.map((r) => [
      count(r.records),
      Object.entries(r.filesAfterCrash)
        .filter(([name]) => !name.endsWith(".lock"))
        .map(
          ([name, bytes]) =>
            `${name.replace(/^negotiations\.db/, "db")} ${(bytes / MB).toFixed(1)} MB`,
        )
        .join(", "),
      ms(r.replayOpenMs),
      ms(r.cleanOpenMs),
      ratio(r.replayOpenMs / r.cleanOpenMs),
    ]),
  );
}

/** Peak RSS. */
export function peakRssTable(results, contenders) {
  return table(
    [
      "",
      "workload",
      "file MB",
      "peak RSS MB",
      "with close MB",
      "1.5 × file + 60 MB",
      "first new row ms",
      "worst save ms",
    ],
    results.map((r) => [
      contenders.find((c) => c.name === r.contender).label,
      r.workload,
      (r.fileBytes / MB).toFixed(1),
      (r.beforeCloseBytes / MB).toFixed(0),
      (r.maxRssBytes / MB).toFixed(0),
      (r.goalBytes / MB).toFixed(0),
      r.firstNewRowMs.toFixed(2),
      r.worstSaveMs.toFixed(2),
    ]),
  );
}

/** The long run: each contender's percentiles and worst save, in ms. */
export function longRunTable(results, contenders) {
  return table(
    ["", "p50 ms", "p99 ms", "worst ms", "n"],
    results.map((r) => [
      contenders.find((c) => c.name === r.contender).label,
      ms(r.p50),
      ms(r.p99),
      ms(r.max),
      count(r.n),
    ]),
  );
}
