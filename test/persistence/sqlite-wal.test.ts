import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import initSqlJs, { type SqlJsStatic } from "sql.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyWal, type CommittedWal, readCommittedWal } from "../../src/persistence/sqlite-wal.js";

// Python's sqlite3 writes every WAL here, and SQLite itself (through Python, reading a copy
// and checkpointing it) is the reference for what the WAL holds.
const SCRIPT = fileURLToPath(new URL("../support/sqlite-wal.py", import.meta.url));
const HEADER_SIZE = 32;
const FRAME_HEADER_SIZE = 24;

type Scenario = "grow" | "shrink" | "restart" | "uncommitted" | "fresh" | "big";
type Content = Record<string, unknown[][]>;

/** The bytes beside each other: `<db>` (null when absent) and `<db>-wal`. */
interface DbFiles {
  readonly db: Uint8Array | null;
  readonly wal: Uint8Array;
}

interface Written extends DbFiles {
  /** What the Python writer's own connection saw as committed. */
  readonly committed: Content;
}

/** What SQLite reads from a copy of some files, and the file it leaves once checkpointed. */
interface SqliteRead {
  readonly integrity?: string;
  readonly content?: Content;
  readonly error?: string;
  readonly image: Uint8Array;
}

interface Inspection {
  readonly pageSize: number;
  readonly frameCount: number;
  readonly framesWithHeaderSalts: number;
  readonly validFrames: number;
  readonly commits: readonly { frames: number; pages: number }[];
}

let folder: string;
let copies = 0;
let SQL: SqlJsStatic;
const writers = new Set<ChildProcess>();
const written = new Map<string, Promise<Written>>();

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-wal-"));
  SQL = await initSqlJs();
});

afterAll(async () => {
  for (const writer of writers) writer.kill("SIGKILL");
  await rm(folder, { recursive: true, force: true });
});

/** Starts a Python writer and resolves once it has committed everything and still holds its connection. */
function startWriter(
  db: string,
  scenario: Scenario,
  pageSize: number,
): Promise<{ writer: ChildProcess; committed: Content }> {
  const writer = spawn("python3", [SCRIPT, "write", db, scenario, String(pageSize)]);
  writers.add(writer);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    writer.stderr?.on("data", (chunk) => {
      err += chunk;
    });
    writer.stdout?.on("data", (chunk) => {
      out += chunk;
      if (out.endsWith("\n")) resolve({ writer, committed: JSON.parse(out) as Content });
    });
    writer.on("exit", (code) => reject(new Error(`the Python writer exited (${code}): ${err}`)));
  });
}

function killed(writer: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    writer.once("exit", () => resolve());
    writer.kill("SIGKILL");
  });
}

async function filesOf(db: string): Promise<DbFiles> {
  return {
    // Plain copies: a Buffer's slice() would share memory, and damaging a copy must not
    // damage the original.
    db: await readFile(db).then(
      (bytes) => new Uint8Array(bytes),
      () => null,
    ),
    wal: new Uint8Array(await readFile(`${db}-wal`)),
  };
}

/** The files a Python writer leaves when SIGKILLed after the scenario, made once per scenario. */
function writtenAndKilled(scenario: Scenario, pageSize = 4096): Promise<Written> {
  const key = `${scenario}-${pageSize}`;
  let files = written.get(key);
  if (!files) {
    files = (async () => {
      const db = join(folder, `${key}.db`);
      const { writer, committed } = await startWriter(db, scenario, pageSize);
      await killed(writer);
      return { ...(await filesOf(db)), committed };
    })();
    written.set(key, files);
  }
  return files;
}

async function copiesOf(sets: readonly DbFiles[]): Promise<string[]> {
  const paths: string[] = [];
  for (const files of sets) {
    const path = join(folder, "copies", String(copies++), "x.db");
    await mkdir(join(path, ".."), { recursive: true });
    if (files.db) await writeFile(path, files.db);
    await writeFile(`${path}-wal`, files.wal);
    paths.push(path);
  }
  return paths;
}

/** SQLite's reading of each set of files (on copies, without `-shm`, so it recovers the WAL itself). */
async function sqliteReads(sets: readonly DbFiles[]): Promise<SqliteRead[]> {
  const paths = await copiesOf(sets);
  const results = JSON.parse(
    execFileSync("python3", [SCRIPT, "read", ...paths], { maxBuffer: 1 << 28 }).toString(),
  ) as Omit<SqliteRead, "image">[];
  return Promise.all(
    results.map(async (result, index) => ({
      ...result,
      image: await readFile(paths[index] as string).catch(() => new Uint8Array(0)),
    })),
  );
}

async function sqliteRead(files: DbFiles): Promise<SqliteRead> {
  return (await sqliteReads([files]))[0] as SqliteRead;
}

const inspections = new WeakMap<Uint8Array, Promise<Inspection>>();

/** The Python script's own reading of the frames (salts, checksums, commits), once per WAL. */
function inspect(wal: Uint8Array): Promise<Inspection> {
  let inspection = inspections.get(wal);
  if (!inspection) {
    inspection = copiesOf([{ db: null, wal }]).then(
      ([path]) =>
        JSON.parse(
          execFileSync("python3", [SCRIPT, "inspect", `${path}-wal`]).toString(),
        ) as Inspection,
    );
    inspections.set(wal, inspection);
  }
  return inspection;
}

/** A WAL rewritten by the Python script with every checksum recomputed, optionally with other header fields. */
async function rewritten(
  wal: Uint8Array,
  order: "big" | "little",
  header: { version?: number; pageSize?: number } = {},
): Promise<Uint8Array> {
  const [path] = await copiesOf([{ db: null, wal }]);
  const target = `${path}-rewritten`;
  const fields =
    header.pageSize === undefined
      ? header.version === undefined
        ? []
        : [String(header.version)]
      : [String(header.version ?? 3007000), String(header.pageSize)];
  execFileSync("python3", [SCRIPT, "rewrite", `${path}-wal`, target, order, ...fields]);
  return new Uint8Array(await readFile(target));
}

/** What sql.js sees in a database image, in the shape the Python script dumps. */
function contentOf(image: Uint8Array): { integrity: unknown; content: Content } {
  const db = new SQL.Database(image);
  try {
    const rows = (sql: string) => db.exec(sql)[0]?.values ?? [];
    const value = (v: unknown) =>
      v instanceof Uint8Array ? { sha256: createHash("sha256").update(v).digest("hex") } : v;
    const content: Content = {
      schema: rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"),
    };
    const tables = rows("SELECT name FROM sqlite_master WHERE type='table'").map(String).sort();
    for (const name of tables) {
      content[name] = rows(`SELECT rowid, * FROM "${name}" ORDER BY rowid`).map((row) =>
        row.map(value),
      );
    }
    return { integrity: rows("PRAGMA integrity_check")[0]?.[0], content };
  } finally {
    db.close();
  }
}

function applied(files: DbFiles): Uint8Array {
  const wal = readCommittedWal(files.wal);
  return wal ? applyWal(files.db, wal) : new Uint8Array(files.db ?? []);
}

const framesIn = (wal: Uint8Array, pageSize: number) =>
  Math.floor((wal.length - HEADER_SIZE) / (FRAME_HEADER_SIZE + pageSize));

const frameAt = (frame: number, pageSize: number) =>
  HEADER_SIZE + frame * (FRAME_HEADER_SIZE + pageSize);

/** A copy of `wal` with the byte at `offset` XORed with `bits`. */
function flipped(wal: Uint8Array, offset: number, bits: number): Uint8Array {
  const copy = new Uint8Array(wal);
  copy[offset] = (copy[offset] as number) ^ bits;
  return copy;
}

/** A copy of `wal` with `bytes` written at `offset`. */
function withBytes(wal: Uint8Array, offset: number, bytes: readonly number[]): Uint8Array {
  const copy = new Uint8Array(wal);
  copy.set(bytes, offset);
  return copy;
}

/** A copy of `wal` with zeros from `start` to `end`. */
function zeroed(wal: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(wal).fill(0, start, end);
}

/** Expects `image` to be byte for byte the file SQLite leaves after checkpointing the same files. */
function expectSameBytes(image: Uint8Array, reference: Uint8Array, what: string): void {
  expect(image.length, `${what}: size`).toBe(reference.length);
  expect(Buffer.compare(image, reference), `${what}: bytes`).toBe(0);
}

describe("readCommittedWal and applyWal on WALs written by Python's sqlite3", () => {
  it.each(["kept open", "SIGKILLed"])(
    "give the image SQLite reads while the writer is %s: every committed row, integrity ok",
    async (how) => {
      const db = join(folder, `grow-${how.replace(/\W/g, "")}.db`);
      const { writer, committed } = await startWriter(db, "grow", 4096);
      if (how === "SIGKILLed") await killed(writer);
      const files = await filesOf(db);
      if (how === "kept open") expect(writer.exitCode).toBeNull();
      writer.kill("SIGKILL");

      const wal = readCommittedWal(files.wal) as CommittedWal;
      const inspection = await inspect(files.wal);
      expect(wal).not.toBeNull();
      expect(wal.pageSize).toBe(4096);
      expect(wal.committedFrames).toBe(framesIn(files.wal, 4096));
      expect(wal.committedFrames).toBe(inspection.commits.at(-1)?.frames);
      expect(wal.databasePages).toBe(inspection.commits.at(-1)?.pages);
      expect(wal.checkpointSequence).toBe(
        new DataView(files.wal.buffer, files.wal.byteOffset).getUint32(12),
      );

      const image = applyWal(files.db, wal);
      expect(image.length).toBe(wal.databasePages * 4096);
      expect(image.length).toBeGreaterThan(files.db?.length ?? 0);
      expect([image[18], image[19]]).toEqual([2, 2]);
      const reference = await sqliteRead(files);
      expectSameBytes(image, reference.image, "SQLite's checkpoint");
      expect(reference).toMatchObject({ integrity: "ok", content: committed });
      expect(contentOf(image)).toEqual({ integrity: "ok", content: committed });
      // The WAL is what holds these rows: the database file alone lacks them.
      expect(contentOf(files.db as Uint8Array).content).not.toEqual(committed);
    },
  );

  it("ignores the frames of a transaction in progress (valid frames without a commit after the last commit)", async () => {
    const files = await writtenAndKilled("uncommitted");
    const inspection = await inspect(files.wal);
    const lastCommit = inspection.commits.at(-1)?.frames as number;
    expect(inspection.validFrames).toBeGreaterThan(lastCommit);

    const wal = readCommittedWal(files.wal) as CommittedWal;
    expect(wal.committedFrames).toBe(lastCommit);
    const image = applyWal(files.db, wal);
    const reference = await sqliteRead(files);
    expectSameBytes(image, reference.image, "SQLite's checkpoint");
    expect(contentOf(image)).toEqual({ integrity: "ok", content: files.committed });
    expect(JSON.stringify(contentOf(image).content)).not.toContain("uncommitted");
  });

  it("ignores frames left from before SQLite restarted the WAL (stale salts)", async () => {
    const files = await writtenAndKilled("restart");
    const inspection = await inspect(files.wal);
    expect(inspection.frameCount).toBeGreaterThan(inspection.framesWithHeaderSalts);

    const wal = readCommittedWal(files.wal) as CommittedWal;
    expect(wal.committedFrames).toBe(inspection.framesWithHeaderSalts);
    expect(wal.committedFrames).toBe(inspection.commits.at(-1)?.frames);
    expect(wal.checkpointSequence).toBeGreaterThan(0);
    const view = new DataView(files.wal.buffer, files.wal.byteOffset);
    const next = frameAt(wal.committedFrames, wal.pageSize);
    expect([view.getUint32(next + 8), view.getUint32(next + 12)]).not.toEqual([
      wal.salt1,
      wal.salt2,
    ]);

    const image = applyWal(files.db, wal);
    expectSameBytes(image, (await sqliteRead(files)).image, "SQLite's checkpoint");
    expect(contentOf(image)).toEqual({ integrity: "ok", content: files.committed });
  });

  it("truncates the image to the committed size when the WAL shrinks the database (VACUUM)", async () => {
    const files = await writtenAndKilled("shrink");
    const wal = readCommittedWal(files.wal) as CommittedWal;
    const db = files.db as Uint8Array;
    expect(wal.databasePages * wal.pageSize).toBeLessThan(db.length);
    // Pages past the end exist in the WAL (written before the VACUUM) but are not in the database.
    expect(wal.pages.size).toBeLessThanOrEqual(wal.databasePages);
    expect(Math.max(...wal.pages.keys())).toBeLessThanOrEqual(wal.databasePages);

    const image = applyWal(db, wal);
    expect(image.length).toBe(wal.databasePages * wal.pageSize);
    expectSameBytes(image, (await sqliteRead(files)).image, "SQLite's checkpoint");
    expect(contentOf(image)).toEqual({ integrity: "ok", content: files.committed });
  });

  it.each([512, 65536])("handles a page size of %i bytes", async (pageSize) => {
    const files = await writtenAndKilled("grow", pageSize);
    const wal = readCommittedWal(files.wal) as CommittedWal;
    expect(wal.pageSize).toBe(pageSize);
    expect(wal.committedFrames).toBe(framesIn(files.wal, pageSize));
    const image = applyWal(files.db, wal);
    expectSameBytes(image, (await sqliteRead(files)).image, "SQLite's checkpoint");
    expect(contentOf(image)).toEqual({ integrity: "ok", content: files.committed });
  });

  it("stops counting at a damaged frame in the middle, ignoring later commits, as SQLite does", async () => {
    const files = await writtenAndKilled("grow");
    const { commits } = await inspect(files.wal);
    const whole = readCommittedWal(files.wal) as CommittedWal;
    // A frame inside the fifth transaction: commits follow it.
    const before = (commits[3] as { frames: number }).frames;
    const frame = before + 2;
    expect(frame).toBeLessThan((commits[4] as { frames: number }).frames);
    const at = frameAt(frame, 4096);
    const cases: [string, Uint8Array][] = [
      ["a flipped page byte", flipped(files.wal, at + 24 + 1000, 0x10)],
      ["a flipped checksum byte", flipped(files.wal, at + 19, 1)],
      ["a changed salt-1", flipped(files.wal, at + 11, 1)],
      ["a changed salt-2", flipped(files.wal, at + 12, 0x80)],
      ["page number 0", zeroed(files.wal, at, at + 4)],
      ["a zeroed frame", zeroed(files.wal, at, at + 24 + 4096)],
      // Checksums recomputed after the change: only the page number makes the frame invalid.
      [
        "page number 0 with valid checksums",
        await rewritten(zeroed(files.wal, at, at + 4), "little"),
      ],
    ];
    const references = await sqliteReads(cases.map(([, wal]) => ({ db: files.db, wal })));
    cases.forEach(([what, wal], index) => {
      const committed = readCommittedWal(wal) as CommittedWal;
      expect(committed.committedFrames, what).toBe(before);
      const image = applyWal(files.db, committed);
      expectSameBytes(image, (references[index] as SqliteRead).image, what);
      expect(Buffer.compare(image, applyWal(files.db, whole)), what).not.toBe(0);
      expect(contentOf(image).integrity, what).toBe("ok");
    });
  });

  it("counts exactly the commits wholly inside the file, wherever the file is cut", async () => {
    const files = await writtenAndKilled("grow");
    const { commits } = await inspect(files.wal);
    const cuts = new Set<number>([0, 16, HEADER_SIZE, HEADER_SIZE + 100]);
    for (const { frames } of commits) {
      for (const frame of [frames - 1, frames]) cuts.add(frameAt(frame, 4096));
      cuts.add(frameAt(frames, 4096) - 1);
      cuts.add(frameAt(frames - 1, 4096) + 24 + 7);
    }
    const cutWals = [...cuts].sort((a, b) => a - b).map((cut) => files.wal.subarray(0, cut));
    const references = await sqliteReads(cutWals.map((wal) => ({ db: files.db, wal })));
    cutWals.forEach((wal, index) => {
      const frames = framesIn(wal, 4096);
      const expected = commits.filter((commit) => commit.frames <= frames).at(-1);
      const committed = readCommittedWal(wal);
      expect(committed?.committedFrames, `cut at ${wal.length}`).toBe(expected?.frames);
      expect(committed?.databasePages, `cut at ${wal.length}`).toBe(expected?.pages);
      expectSameBytes(
        applied({ db: files.db, wal }),
        (references[index] as SqliteRead).image,
        `cut at ${wal.length}`,
      );
    });
  });

  it("reads big-endian checksums (magic 0x377f0683) as SQLite does, and stops at a damaged frame in them", async () => {
    const files = await writtenAndKilled("grow");
    expect(new DataView(files.wal.buffer, files.wal.byteOffset).getUint32(0)).toBe(0x377f0682);
    // The rewriting script computes checksums as SQLite does: it reproduces SQLite's own file.
    expect(Buffer.compare(await rewritten(files.wal, "little"), files.wal)).toBe(0);
    const bigEndian = await rewritten(files.wal, "big");
    expect(Buffer.compare(bigEndian, files.wal)).not.toBe(0);

    const little = readCommittedWal(files.wal) as CommittedWal;
    const big = readCommittedWal(bigEndian) as CommittedWal;
    expect(big.committedFrames).toBe(little.committedFrames);
    const image = applyWal(files.db, big);
    expectSameBytes(image, applyWal(files.db, little), "the little-endian WAL's image");

    const { commits } = await inspect(files.wal);
    const before = (commits[2] as { frames: number }).frames;
    const torn = flipped(bigEndian, frameAt(before + 1, 4096) + 24 + 3, 4);
    const tornCommitted = readCommittedWal(torn) as CommittedWal;
    expect(tornCommitted.committedFrames).toBe(before);
    const [reference, tornReference] = await sqliteReads([
      { db: files.db, wal: bigEndian },
      { db: files.db, wal: torn },
    ]);
    expectSameBytes(image, (reference as SqliteRead).image, "SQLite's checkpoint");
    expectSameBytes(
      applyWal(files.db, tornCommitted),
      (tornReference as SqliteRead).image,
      "SQLite's checkpoint of the damaged WAL",
    );
  });

  it("returns null where SQLite ignores the WAL: empty, header only, bad magic, bad header checksum, bad page size, nothing committed", async () => {
    const files = await writtenAndKilled("grow");
    const { commits } = await inspect(files.wal);
    const wal = files.wal;
    const pageSizeVariants = new Map<number, Uint8Array>();
    for (const pageSize of [1000, 256, 131072]) {
      const committing = withBytes(wal, HEADER_SIZE + 4, [0, 0, 0, 1]);
      pageSizeVariants.set(pageSize, await rewritten(committing, "little", { pageSize }));
    }
    const cases: [string, Uint8Array][] = [
      ["an empty file", new Uint8Array(0)],
      ["a header only", wal.subarray(0, HEADER_SIZE)],
      ["a bad magic", flipped(wal, 3, 0x06)],
      ["a bad header checksum", flipped(wal, 27, 1)],
      ["a header field changed", flipped(wal, 13, 1)],
      // A first frame marked as a commit, with valid salts and checksums: only the page
      // size makes SQLite ignore the WAL.
      ...[1000, 256, 131072].map((pageSize): [string, Uint8Array] => [
        `a page size of ${pageSize}`,
        pageSizeVariants.get(pageSize) as Uint8Array,
      ]),
      [
        "no commit frame",
        wal.subarray(0, frameAt((commits[0] as { frames: number }).frames - 1, 4096)),
      ],
      ["a damaged first frame", flipped(wal, frameAt(0, 4096) + 40, 1)],
    ];
    const references = await sqliteReads(
      cases.map(([, damagedWal]) => ({ db: files.db, wal: damagedWal })),
    );
    cases.forEach(([what, damagedWal], index) => {
      expect(readCommittedWal(damagedWal), what).toBeNull();
      expectSameBytes(files.db as Uint8Array, (references[index] as SqliteRead).image, what);
    });
  });

  it("returns null for a WAL of another format version, where SQLite refuses to open the database", async () => {
    const files = await writtenAndKilled("grow");
    const otherVersion = await rewritten(files.wal, "little", { version: 3007001 });
    const bigEndianOtherVersion = await rewritten(files.wal, "big", { version: 3007001 });
    expect(readCommittedWal(otherVersion)).toBeNull();
    expect(readCommittedWal(bigEndianOtherVersion)).toBeNull();
    const [reference] = await sqliteReads([{ db: files.db, wal: otherVersion }]);
    expect(reference?.error).toMatch(/unable to open/);
  });

  it("builds the image from the WAL alone when every page is in it, from a null or empty database", async () => {
    const files = await writtenAndKilled("fresh");
    const wal = readCommittedWal(files.wal) as CommittedWal;
    expect(wal.pages.size).toBe(wal.databasePages);
    const image = applyWal(files.db, wal);
    expectSameBytes(applyWal(null, wal), image, "from no database");
    expectSameBytes(applyWal(new Uint8Array(0), wal), image, "from an empty database");
    expectSameBytes(image, (await sqliteRead(files)).image, "SQLite's checkpoint");
    expect(contentOf(image)).toEqual({ integrity: "ok", content: files.committed });
  });

  it("zero-fills what neither the database nor the WAL holds, and leaves both inputs unchanged", async () => {
    const files = await writtenAndKilled("grow");
    const walBefore = files.wal.slice();
    const dbBefore = (files.db as Uint8Array).slice();
    const wal = readCommittedWal(files.wal) as CommittedWal;
    const image = applyWal(null, wal);
    for (let page = 1; page <= wal.databasePages; page++) {
      const bytes = image.subarray((page - 1) * wal.pageSize, page * wal.pageSize);
      const fromWal = wal.pages.get(page);
      if (fromWal) expect(Buffer.compare(bytes, fromWal)).toBe(0);
      else expect(bytes.every((byte) => byte === 0)).toBe(true);
    }
    applyWal(files.db, wal);
    expect(Buffer.compare(files.wal, walBefore)).toBe(0);
    expect(Buffer.compare(files.db as Uint8Array, dbBefore)).toBe(0);
  });

  it("returns pages as views into the WAL bytes given, at any byte offset", async () => {
    const files = await writtenAndKilled("grow");
    const shifted = new Uint8Array(files.wal.length + 3);
    shifted.set(files.wal, 3);
    const unaligned = shifted.subarray(3);
    const wal = readCommittedWal(unaligned) as CommittedWal;
    expect(wal.committedFrames).toBe(framesIn(files.wal, 4096));
    for (const page of wal.pages.values()) {
      expect(page.buffer).toBe(shifted.buffer);
      expect(page.length).toBe(4096);
    }
    expect([...wal.pages.keys()]).toEqual([...wal.pages.keys()].sort((a, b) => a - b));
    expectSameBytes(applyWal(files.db, wal), applied(files), "the aligned WAL's image");
  });

  it("SQLite itself discards a WAL beside a missing or empty database file", async () => {
    // Documented caveat for callers of applyWal(null, ...): SQLite deletes such a WAL.
    const files = await writtenAndKilled("fresh");
    const [missing, empty] = await sqliteReads([
      { db: null, wal: files.wal },
      { db: new Uint8Array(0), wal: files.wal },
    ]);
    expect(missing?.content).toEqual({ schema: [] });
    expect(empty?.content).toEqual({ schema: [] });
  });
});

describe("readCommittedWal speed", () => {
  it("reads a WAL of tens of megabytes in well under a second", async () => {
    const files = await writtenAndKilled("big", 65536);
    expect(files.wal.length).toBeGreaterThan(30 << 20);
    const started = performance.now();
    const wal = readCommittedWal(files.wal) as CommittedWal;
    const elapsed = performance.now() - started;
    expect(wal.committedFrames).toBe(framesIn(files.wal, 65536));
    expect(elapsed).toBeLessThan(1000);
    const image = applyWal(files.db, wal);
    expectSameBytes(image, (await sqliteRead(files)).image, "SQLite's checkpoint");
  });
});
