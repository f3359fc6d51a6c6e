// Child of the peak RSS bench, in a fresh process: opens a populated database, saves
// `saves` times (alternately an existing row and a new one), restores the active
// negotiations when the workload says so, closes, and prints its peak resident set size
// as JSON, with how long the first new row and the slowest save took.
import { readFileSync } from "node:fs";

const [name, path, size, saves, workload] = process.argv
  .slice(2)
  .map((arg, i) => (i < 2 || i > 3 ? arg : Number(arg)));

// Only the measured contender is loaded: the other's code would count in this process's RSS.
const contender =
  name === "journal"
    ? (await import("../ours.mjs")).journal
    : (await import("../sqlite.mjs")).sqlite;
const handle = await contender.open(path);
const saveMs = [];
for (let k = 0; k < saves; k++) {
  const input = k % 2 === 0 ? contender.input((k * 7919) % size, k + 1) : contender.input(size + k);
  const started = performance.now();
  await handle.save(input);
  saveMs.push(performance.now() - started);
}
const restored = workload === "saves and restore" ? (await handle.restore()).length : 0;
const beforeCloseBytes = peakRssBytes();
await handle.close();
console.log(
  JSON.stringify({
    beforeCloseBytes,
    maxRssBytes: peakRssBytes(),
    restored,
    firstNewRowMs: saveMs[1],
    worstSaveMs: Math.max(...saveMs),
  }),
);

/**
 * This process's own peak. On Linux, getrusage's maxRSS (process.resourceUsage) starts a
 * spawned child at its parent's peak, so it would report the bench's own RSS: VmHWM, the
 * high-water mark of this process's memory map, is reset by exec.
 */
function peakRssBytes() {
  try {
    const kilobytes = readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    if (kilobytes) return Number(kilobytes) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}
