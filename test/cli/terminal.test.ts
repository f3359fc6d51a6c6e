import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayWidth } from "../../src/cli/display-width.js";
import { paletteFor, printable, renderTable } from "../../src/cli/terminal.js";
import { runCli } from "./run-cli.js";
import { cellStarts, folderWithFixture } from "./support.js";

const ESC = "\u001b";
const STYLE = new RegExp(`${ESC}\\[\\d+m`, "g");

const HEADERS = ["thread", "state", "campaign", "updated"];
const ROWS = [
  ["t-交渉-1", "agreed", "camp-001", "2026-02-19T18:27:00Z"],
  ["t-👍🏽-2", "stale", "キャンペーン", "2026-02-19T18:26:00Z"],
  ["t-👨‍👩‍👧-3", "paused", "camp-🇯🇵", "2026-02-19T18:25:00Z"],
  ["t-e\u0301te\u0301-4", "counter_sent", "한국-캠페인", "2026-02-19T18:24:00Z"],
  ["plain-thread-5", "escalated", "camp-002", "2026-02-19T18:23:00Z"],
];

describe("renderTable", () => {
  it("lines up columns of wide characters, emoji, flags, combining marks and Hangul: every row as wide, every column at the same place", () => {
    const lines = renderTable(HEADERS, ROWS);
    const rows = lines.slice(2);
    expect(new Set(rows.map(displayWidth)).size).toBe(1);
    const starts = ROWS.map((cells, index) => cellStarts(rows[index] as string, cells));
    expect(cellStarts(lines[0] as string, HEADERS)).toEqual(starts[0]);
    for (const each of starts) expect(each).toEqual(starts[0]);
    // The rule is as wide as the rows.
    expect(displayWidth(lines[1] as string)).toBe(displayWidth(rows[0] as string));
    // Widest thread: "plain-thread-5", 14 columns, then two spaces.
    expect(starts[0]).toEqual([0, 16, 30, 44]);
  });

  it("does not count colours: a bold header and a coloured cell line up with plain ones", () => {
    const colors = paletteFor({ write: () => true, isTTY: true }, {});
    const lines = renderTable(
      HEADERS.map(colors.bold),
      ROWS.map((row) => row.map((cell, column) => (column === 1 ? colors.green(cell) : cell))),
    );
    const plain = renderTable(HEADERS, ROWS);
    expect(lines.map((line) => line.replaceAll(STYLE, ""))).toEqual(plain);
    expect(lines[2]).toContain(`${ESC}[32magreed${ESC}[39m`);
  });

  it("without a width, writes every cell whole, however wide", () => {
    const long = "t-".padEnd(300, "交");
    const lines = renderTable(HEADERS, [[long, "agreed", "camp", "now"]]);
    expect(lines[2]).toContain(long);
    expect(lines.join("")).not.toContain("…");
  });

  it("fits a width by narrowing the free-text columns, widest first, cutting them with …; the other columns stay whole and aligned", () => {
    const natural = displayWidth(renderTable(HEADERS, ROWS)[2] as string);
    const maxWidth = natural - 2;
    const lines = renderTable(HEADERS, ROWS, { maxWidth, shrinkable: [0, 2] });
    const rows = lines.slice(2);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(maxWidth);
    expect(new Set(rows.map(displayWidth)).size).toBe(1);
    // The thread column is the widest (14, the campaign's 12): it gives up the 2 columns.
    expect(rows[4]).toMatch(/^plain-threa… {2}escalated {5}camp-002 /);
    expect(rows[1]).toMatch(/^t-👍🏽-2 {8}stale {9}キャンペーン {2}2026/u);
    for (const [index, row] of rows.entries()) {
      const cells = ROWS[index] as string[];
      // State, campaign and time are whole, and start where the header says.
      const starts = cellStarts(row, cells.slice(1));
      expect(starts).toEqual(cellStarts(lines[0] as string, HEADERS.slice(1)));
    }
    expect(rows.join("\n")).toContain("2026-02-19T18:27:00Z");
  });

  it("narrows several free-text columns in turn, never below their header, and cuts the lines when that is not enough", () => {
    // 64 columns wide; the thread (14) and campaign (12) columns can give up 8 and 4.
    const narrow = renderTable(HEADERS, ROWS, { maxWidth: 52, shrinkable: [0, 2] });
    expect(narrow[0]).toBe("thread  state         campaign  updated");
    for (const line of narrow.slice(1)) expect(displayWidth(line)).toBe(52);
    // 交 would straddle the column's edge: left out, the cell a column short.
    expect(narrow[2]).toBe("t-交…   agreed        camp-001  2026-02-19T18:27:00Z");
    expect(narrow[3]).toBe("t-👍🏽-2  stale         キャン…   2026-02-19T18:26:00Z");
    expect(narrow[6]).toBe("plain…  escalated     camp-002  2026-02-19T18:23:00Z");

    const tiny = renderTable(HEADERS, ROWS, { maxWidth: 20, shrinkable: [0, 2] });
    for (const line of tiny) {
      expect(displayWidth(line)).toBeLessThanOrEqual(20);
      expect(line.endsWith("…")).toBe(true);
    }
  });
});

describe("paletteFor", () => {
  it("colours a terminal, unless NO_COLOR is set; FORCE_COLOR decides alone when set", () => {
    const terminal = { write: () => true, isTTY: true };
    const pipe = { write: () => true };
    const green = `${ESC}[32mok${ESC}[39m`;
    expect(paletteFor(terminal, {}).green("ok")).toBe(green);
    expect(paletteFor(terminal, { NO_COLOR: "1" }).green("ok")).toBe("ok");
    // no-color.org: an empty NO_COLOR does not count.
    expect(paletteFor(terminal, { NO_COLOR: "" }).green("ok")).toBe(green);
    expect(paletteFor(pipe, {}).green("ok")).toBe("ok");
    expect(paletteFor({ ...pipe, isTTY: false }, {}).bold("ok")).toBe("ok");
    expect(paletteFor(pipe, { FORCE_COLOR: "1" }).green("ok")).toBe(green);
    expect(paletteFor(pipe, { FORCE_COLOR: "" }).green("ok")).toBe(green);
    expect(paletteFor(terminal, { FORCE_COLOR: "1", NO_COLOR: "1" }).green("ok")).toBe(green);
    expect(paletteFor(terminal, { FORCE_COLOR: "0" }).green("ok")).toBe("ok");
    expect(paletteFor(terminal, { FORCE_COLOR: "false" }).green("ok")).toBe("ok");
  });
});

describe("printable", () => {
  it("shows control characters from a database as escapes", () => {
    expect(printable("thread\u001b[2J\r\n\u0007\u009b1m end")).toBe(
      "thread\\u001b[2J\\u000d\\u000a\\u0007\\u009b1m end",
    );
    expect(printable("Zoë Ñandú 🌸 — ok")).toBe("Zoë Ñandú 🌸 — ok");
  });
});

describe("colours of the command line", () => {
  let folder: string;
  /** A copy of the Python service's database. */
  let pythonDb: string;

  beforeAll(async () => {
    ({ folder, pythonDb } = await folderWithFixture("negotiation-state-colours-"));
  });

  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("are written with FORCE_COLOR, and never into a pipe without it", async () => {
    const forced = await runCli(["list", "--all", pythonDb], { env: { FORCE_COLOR: "1" } });
    expect(forced.stdout).toContain(`${ESC}[1mthread${ESC}[22m`);
    expect(forced.stdout).toContain(`${ESC}[32magreed${ESC}[39m`);
    expect(forced.stdout).toContain(`${ESC}[31mrejected${ESC}[39m`);
    const forcedError = await runCli(["show", pythonDb, "nobody"], { env: { FORCE_COLOR: "1" } });
    expect(forcedError.stderr).toContain(`${ESC}[31merror:${ESC}[39m`);

    for (const env of [{}, { NO_COLOR: "1" }, { FORCE_COLOR: "0" }]) {
      const plain = await runCli(["list", "--all", pythonDb], { env });
      expect(plain.status).toBe(0);
      expect(plain.stdout).not.toContain(ESC);
      const error = await runCli(["show", pythonDb, "nobody"], { env });
      expect(error.stderr).not.toContain(ESC);
    }
  });
});
