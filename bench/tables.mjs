// How each scenario's results are shown in the terminal.
import { MB } from "./peak-rss.mjs";
import { count, ms, ratio, table } from "./report.mjs";

/** Scenario 1: one line per size, contenders side by side, with the ratios of p50s. */
export function saveLatencyTable(saves, ratios, contenders) {
  const header = ["rows"];
  for (const c of contenders) header.push(`${c.name} p50`, "p95", "n");
  header.push("journal/sqlite", "journal/wholeImage");
  const rows = ratios.bySize.map(({ size, journalVsSqlite, journalVsWholeImage }) => {
    const row = [count(size)];
    for (const c of contenders) {
      const r = saves.find((s) => s.size === size && s.contender === c.name);
      row.push(ms(r.p50), ms(r.p95), String(r.n));
    }
    return [...row, ratio(journalVsSqlite), ratio(journalVsWholeImage)];
  });
  const { from, to, ratio: growth } = ratios.growth;
  return `${table(header, rows)}\njournal p50 at ${count(to)} / at ${count(from)}: ${ratio(growth)}`;
}

/** Scenario 2. */
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

/** Scenario 3. */
export function openRestoreTable(results, contenders) {
  const byName = (name) => results.find((r) => r.contender === name).medianMs;
  return table(
    ["", "median ms"],
    [
      ...results.map((r) => [contenders.find((c) => c.name === r.contender).label, ms(r.medianMs)]),
      ["ratio journal/sqlite", ratio(byName("journal") / byName("sqlite"))],
    ],
  );
}

/** Scenario 4. */
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

/** Scenario 5. */
export function peakRssTable(results, contenders) {
  return table(
    ["", "workload", "file MB", "peak RSS MB", "with close MB", "2 × file + 80 MB"],
    results.map((r) => [
      contenders.find((c) => c.name === r.contender).label,
      r.workload,
      (r.fileBytes / MB).toFixed(1),
      (r.beforeCloseBytes / MB).toFixed(0),
      (r.maxRssBytes / MB).toFixed(0),
      (r.goalBytes / MB).toFixed(0),
    ]),
  );
}
