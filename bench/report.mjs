// Output: plain-text tables for the terminal, machine info, and the results JSON.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import Database from "better-sqlite3";

/**
 * Formats rows of cells as an aligned table; the first column is left-aligned, the others
 * right-aligned.
 *
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A duration in ms with three significant digits or so. */
export function ms(value) {
  if (!Number.isFinite(value)) return "-";
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3);
}

export function ratio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "-";
}

export function count(value) {
  return value.toLocaleString("en-US");
}

/** The installed version of a package (`.` for this one), or null. */
function version(name) {
  const file = name === "." ? "../package.json" : `../node_modules/${name}/package.json`;
  try {
    return JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8")).version;
  } catch {
    return null;
  }
}

function git(...args) {
  try {
    return execFileSync("git", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

/** What the figures were measured on. */
export function machineInfo() {
  const cpus = os.cpus();
  const db = new Database(":memory:");
  const sqliteVersion = db.prepare("SELECT sqlite_version() AS v").get().v;
  db.close();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmpdir: os.tmpdir(),
    versions: {
      "negotiation-state": version("."),
      "sql.js": version("sql.js"),
      "better-sqlite3": version("better-sqlite3"),
      "node-sqlite3-wasm": version("node-sqlite3-wasm"),
      sqlite: sqliteVersion,
    },
    git: { commit: git("rev-parse", "HEAD"), dirty: Boolean(git("status", "--porcelain")) },
  };
}

/**
 * Writes a run's results under a name of its own, with what every run records: the name,
 * the time, the mode, how long it took and the machine.
 *
 * @param {{ prefix?: string, given?: string, quick: boolean, started: number, machine: ReturnType<typeof machineInfo> }} run
 * @param {Record<string, unknown>} data - The run's own fields.
 * @returns {Promise<string>} The file written.
 */
export function writeRunResults({ prefix = "", given, quick, started, machine }, data) {
  const date = new Date().toISOString();
  const name =
    given ??
    `${prefix}${quick ? "quick" : `${date.slice(0, 10)}-${machine.git.commit?.slice(0, 7) ?? "nogit"}`}`;
  return writeResults(name, {
    name,
    date,
    mode: quick ? "quick" : "full",
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    ...data,
  });
}

export async function writeResults(name, data) {
  const folder = new URL("./results/", import.meta.url);
  await mkdir(folder, { recursive: true });
  const file = new URL(`${name}.json`, folder);
  // Three decimals are enough for every figure (ms, ratios) and keep diffs readable.
  const rounded = (_key, value) =>
    typeof value === "number" && !Number.isInteger(value) ? Number(value.toFixed(3)) : value;
  await writeFile(file, `${JSON.stringify(data, rounded, 2)}\n`);
  return file.pathname;
}
