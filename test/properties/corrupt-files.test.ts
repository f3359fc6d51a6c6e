/**
 * Property: whatever bytes sit in the database file, opening it through
 * `filePersistence` either opens a readable database or is refused with a NegotiationError
 * (CorruptDatabaseError or StorageError) naming the file; nothing escapes as an uncaught
 * exception, an unhandled rejection or a WASM abort; and a refused file's bytes stay as
 * they were. Next to a valid database, a journal of any bytes loses no acknowledged save:
 * a torn tail (whatever follows the last whole record, all of it when no record is whole)
 * is cut off, as documented; damage before a whole record is refused, naming the journal
 * and the offset, and neither file is touched.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isNegotiationError, NegotiationError } from "../../src/errors/negotiation-error.js";
import { CorruptDatabaseError } from "../../src/persistence/errors.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";
import { noise } from "../support/seeded-random.mjs";
import { checkProperty, timeoutFor, watchUncaught } from "./support.js";

// A default that grows with FC_RUNS, for the tests that do not set their own.
vi.setConfig({ testTimeout: timeoutFor(1000, 20) });

const JOURNAL = ".ns-journal";
const SQLITE_HEADER = new TextEncoder().encode("SQLite format 3\0");

let folder: string;
/** A real database after close(): one file, 12 negotiations, several pages. */
let realImage: Uint8Array;
let realThreads: string[];
/** A crash-style copy: the database file as checkpointed, and the journal written after it. */
let baseImage: Uint8Array;
let baseThreads: string[];
let journalRecords: Uint8Array[];
let journalThreads: string[];
let runs = 0;

const concat = (...parts: readonly Uint8Array[]): Uint8Array => {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
};

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-corrupt-"));

  const real = join(folder, "real.db");
  const store = await openNegotiationStore({ persistence: filePersistence(real) });
  realThreads = Array.from({ length: 12 }, (_, index) => `real-${index}`);
  for (const threadId of realThreads) {
    const filler = "x".repeat(1500);
    await store.save(negotiation(threadId, ["send_offer"], { context: { filler } }));
  }
  await store.close();
  realImage = new Uint8Array(await readFile(real));

  // The database file holds three saves; five more are only in the journal.
  const live = join(folder, "live.db");
  baseThreads = ["base-0", "base-1", "base-2"];
  journalThreads = ["journal-0", "journal-1", "journal-2", "journal-3", "journal-4"];
  const first = await openNegotiationStore({ persistence: filePersistence(live) });
  for (const threadId of baseThreads) await first.save(negotiation(threadId));
  await first.close();
  const second = await openNegotiationStore({ persistence: filePersistence(live) });
  for (const threadId of journalThreads) await second.save(negotiation(threadId));
  baseImage = new Uint8Array(await readFile(live));
  const journal = new Uint8Array(await readFile(`${live}${JOURNAL}`));
  await second.close();
  const { entries, validBytes } = decodeJournal(journal, "journal");
  journalRecords = entries.map((entry) => encodeJournalEntries([entry]));
  expect(concat(...journalRecords)).toEqual(journal.subarray(0, validBytes));
  expect(journalRecords).toHaveLength(journalThreads.length);
});

afterAll(() => rm(folder, { recursive: true, force: true }));

/** A fresh folder holding `db` (and `journal`, when given) as the files of one database. */
async function place(
  db: Uint8Array,
  journal?: Uint8Array,
): Promise<{ dir: string; file: string; journalFile: string }> {
  runs++;
  const dir = await mkdtemp(join(folder, `run-${runs}-`));
  const file = join(dir, "negotiations.db");
  await writeFile(file, db);
  if (journal) await writeFile(`${file}${JOURNAL}`, journal);
  return { dir, file, journalFile: `${file}${JOURNAL}` };
}

async function bytesOf(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return null;
  }
}

/**
 * Compares bytes with Buffer.compare: vitest's toEqual walks a Uint8Array element by
 * element, which costs more than the open it checks.
 */
function expectBytes(actual: Uint8Array | null, expected: Uint8Array | null, what: string): void {
  if (actual === null || expected === null) {
    expect(actual === null, `${what} exists`).toBe(expected === null);
    return;
  }
  const same = Buffer.compare(actual, expected) === 0;
  let at = 0;
  if (!same) while (at < actual.length && actual[at] === expected[at]) at++;
  expect(
    same,
    `${what}: ${actual.length} bytes vs ${expected.length} expected, first difference at ${at}`,
  ).toBe(true);
}

async function settle(): Promise<void> {
  // Let any stray rejection or exception of the open reach the process's listeners.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Opens `file`, expecting a refusal; returns the error, a NegotiationError. */
async function refusedOpen(file: string): Promise<NegotiationError> {
  let store: Awaited<ReturnType<typeof openNegotiationStore>> | undefined;
  try {
    store = await openNegotiationStore({ persistence: filePersistence(file) });
  } catch (error) {
    expect(error).toBeInstanceOf(NegotiationError);
    return error as NegotiationError;
  }
  await store.close();
  throw new Error(`${file} was opened; expected a refusal`);
}

/**
 * Checks that opening `db` (and `journal`) is refused with a NegotiationError naming the
 * database file, and that the folder holds the same files with the same bytes afterwards.
 */
async function expectRefusedUntouched(db: Uint8Array, journal?: Uint8Array): Promise<void> {
  const { dir, file, journalFile } = await place(db, journal);
  const error = await refusedOpen(file);
  expect(
    isNegotiationError(error, "DATABASE_CORRUPT") || isNegotiationError(error, "STORAGE_FAILED"),
  ).toBe(true);
  expect(error.message).toContain(file);
  expectBytes(await bytesOf(file), db, "the database file");
  expectBytes(await bytesOf(journalFile), journal ?? null, "the journal");
  expect((await readdir(dir)).sort()).toEqual(
    journal ? ["negotiations.db", `negotiations.db${JOURNAL}`] : ["negotiations.db"],
  );
  await rm(dir, { recursive: true, force: true });
}

/** Runs a file property with the uncaught-error watch on; fails if anything escaped. */
async function withoutUncaught(run: () => Promise<unknown>): Promise<void> {
  const watch = watchUncaught();
  try {
    await run();
    await settle();
  } finally {
    watch.stop();
  }
  expect(watch.seen).toEqual([]);
}

const garbage = (maxLength: number) => fc.uint8Array({ minLength: 1, maxLength });

describe("arbitrary bytes as the database file", () => {
  it(
    "random bytes are refused, naming the file, and left as they were",
    async () => {
      await withoutUncaught(() =>
        checkProperty(
          "random bytes as a database file: refused, untouched",
          fc.asyncProperty(garbage(16_384), (bytes) => expectRefusedUntouched(bytes)),
          100,
        ),
      );
    },
    timeoutFor(100, 40),
  );

  it(
    "the SQLite header followed by garbage is refused, naming the file, and left as it was",
    async () => {
      await withoutUncaught(() =>
        checkProperty(
          "SQLite header + garbage: refused, untouched",
          fc.asyncProperty(fc.uint8Array({ maxLength: 16_384 }), (rest) =>
            expectRefusedUntouched(concat(SQLITE_HEADER, rest)),
          ),
          100,
        ),
      );
    },
    timeoutFor(100, 40),
  );

  it(
    "a real database's 100-byte header followed by garbage pages is refused and left as it was",
    async () => {
      await withoutUncaught(() =>
        checkProperty(
          "real header + garbage (short of the page count): refused, untouched",
          fc.asyncProperty(fc.uint8Array({ maxLength: 4 * 4096 }), (rest) =>
            expectRefusedUntouched(concat(realImage.subarray(0, 100), rest)),
          ),
          100,
        ),
      );
      // As long as the header promises: SQLite itself reads the garbage.
      await withoutUncaught(() =>
        checkProperty(
          "real header + garbage (full length, read by SQLite): refused, untouched",
          fc.asyncProperty(fc.integer(), fc.nat({ max: 2 * 4096 }), (seed, extra) =>
            expectRefusedUntouched(
              concat(realImage.subarray(0, 100), noise(seed, realImage.length - 100 + extra)),
            ),
          ),
          100,
        ),
      );
    },
    timeoutFor(200, 40),
  );

  it(
    "a real database cut short anywhere is refused and left as it was",
    async () => {
      await withoutUncaught(() =>
        checkProperty(
          "truncated real database: refused, untouched",
          fc.asyncProperty(fc.integer({ min: 1, max: realImage.length - 1 }), (length) =>
            expectRefusedUntouched(realImage.slice(0, length)),
          ),
          100,
        ),
      );
    },
    timeoutFor(100, 40),
  );

  it("an empty file is an empty database (documented), and opens", async () => {
    const { dir, file } = await place(new Uint8Array());
    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    expect(await store.restoreActive()).toEqual([]);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});

/** The damage done to a real database: bits flipped here and there, or one page overwritten. */
const damage = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 })
    .map((flips) => (image: Uint8Array) => {
      const bytes = image.slice();
      for (const [at, bit] of flips) {
        const index = at % bytes.length;
        bytes[index] = (bytes[index] as number) ^ (1 << bit);
      }
      return bytes;
    }),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 4096, maxLength: 4096 }))
    .map(([page, content]) => (image: Uint8Array) => {
      const bytes = image.slice();
      const pages = bytes.length / 4096;
      bytes.set(content, (page % pages) * 4096);
      return bytes;
    }),
);

/** Opens `bytes` as a database file; the refusal, or null when it opened. */
async function openError(bytes: Uint8Array): Promise<unknown> {
  const { file } = await place(bytes);
  return openNegotiationStore({ persistence: filePersistence(file) }).then(
    async (store) => {
      await store.close();
      return null;
    },
    (caught: unknown) => caught,
  );
}

describe("a real database, damaged", () => {
  it(
    "either opens or is refused with a NegotiationError naming the file; a refused file is untouched",
    async () => {
      const outcomes = { refused: 0, opened: 0, rowsUnreadable: 0 };
      await withoutUncaught(() =>
        checkProperty(
          "damaged real database: opens or refused, never raw",
          fc.asyncProperty(damage, async (hurt) => {
            const bytes = hurt(realImage);
            const { dir, file, journalFile } = await place(bytes);
            let store: Awaited<ReturnType<typeof openNegotiationStore>>;
            try {
              store = await openNegotiationStore({ persistence: filePersistence(file) });
            } catch (error) {
              expect(error).toBeInstanceOf(NegotiationError);
              expect((error as Error).message).toContain(file);
              outcomes.refused++;
              expectBytes(await bytesOf(file), bytes, "the database file");
              expectBytes(await bytesOf(journalFile), null, "the journal");
              await rm(dir, { recursive: true, force: true });
              return;
            }
            outcomes.opened++;
            try {
              await store.restoreActive();
            } catch (error) {
              // Damage inside the rows: refused by name (thread and column, or the SQL).
              expect(error).toBeInstanceOf(NegotiationError);
              outcomes.rowsUnreadable++;
            }
            await store.close();
            const after = await bytesOf(file);
            if (after && Buffer.compare(after, bytes) !== 0) {
              // Rewritten only when SQLite read it and the table had to be created again:
              // what was written is then a database that opens.
              const again = await openNegotiationStore({ persistence: filePersistence(file) });
              await again.close();
            }
            await rm(dir, { recursive: true, force: true });
          }),
          100,
        ),
      );
      console.log(`[properties]   outcomes: ${JSON.stringify(outcomes)}`);
    },
    timeoutFor(100, 60),
  );

  it("a schema SQLite cannot parse is refused with CorruptDatabaseError naming the file", async () => {
    // "CREATE TABLE negotiation_state" becomes "CREATE TABLX negotiation_state" in sqlite_master.
    const bytes = realImage.slice();
    const at = Buffer.from(bytes).indexOf("CREATE TABLE negotiation_state");
    expect(at).toBeGreaterThan(0);
    bytes[at + "CREATE TABL".length] = "X".charCodeAt(0);
    const error = await openError(bytes);
    // Today: a plain Error, 'malformed database schema (negotiation_state) - near "TABLX"...'.
    expect(error).toBeInstanceOf(CorruptDatabaseError);
  });

  it("a header SQLite refuses is refused with CorruptDatabaseError naming the file", async () => {
    // Byte 21 of the header, the maximum embedded payload fraction, must be 64.
    const bytes = realImage.slice();
    bytes[21] = 63;
    const error = await openError(bytes);
    // Today: a plain Error, "file is not a database".
    expect(error).toBeInstanceOf(CorruptDatabaseError);
  });
});

describe("arbitrary bytes as the journal next to a valid database", () => {
  /** Opens the placed database, expecting it to open; returns its threads and the journal as it is while open. */
  async function openAndRead(
    file: string,
    journalFile: string,
  ): Promise<{ threads: string[]; journalWhileOpen: Uint8Array | null }> {
    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    const threads = (await store.restoreActive()).map((n) => n.threadId).sort();
    const journalWhileOpen = await bytesOf(journalFile);
    await store.close();
    return { threads, journalWhileOpen };
  }

  it(
    "a journal with no whole record is a torn tail: cut off, and every save of the database file is there",
    async () => {
      await withoutUncaught(() =>
        checkProperty(
          "random journal next to a valid database: dropped as a torn tail, nothing lost",
          fc.asyncProperty(garbage(8192), async (junk) => {
            const { dir, file, journalFile } = await place(realImage, junk);
            const { threads, journalWhileOpen } = await openAndRead(file, journalFile);
            expect(threads).toEqual([...realThreads].sort());
            expectBytes(journalWhileOpen, new Uint8Array(), "the journal while open");
            // Nothing changed, so close() wrote no new database file.
            expectBytes(await bytesOf(file), realImage, "the database file");
            await rm(dir, { recursive: true, force: true });
          }),
          100,
        ),
      );
    },
    timeoutFor(100, 40),
  );

  it(
    "whole records followed by any tail: every record is replayed, and folded into the database at open",
    async () => {
      const tail = fc.oneof(
        garbage(4096),
        fc.integer({ min: 1, max: 1 << 20 }).map((length) => new Uint8Array(length)),
        // A record cut short anywhere: a crash mid-append.
        fc.tuple(fc.nat(), fc.nat()).map(([which, cut]) => {
          const record = journalRecords[which % journalRecords.length] as Uint8Array;
          return record.slice(0, 1 + (cut % (record.length - 1)));
        }),
      );
      await withoutUncaught(() =>
        checkProperty(
          "valid records + torn tail: all replayed and folded",
          fc.asyncProperty(
            fc.integer({ min: 0, max: journalRecords.length }),
            tail,
            async (kept, junk) => {
              const records = concat(...journalRecords.slice(0, kept));
              const { dir, file, journalFile } = await place(baseImage, concat(records, junk));
              const { threads, journalWhileOpen } = await openAndRead(file, journalFile);
              expect(threads).toEqual([...baseThreads, ...journalThreads.slice(0, kept)].sort());
              // The open replays the records and folds them into the database file, emptying the
              // journal (the tail with it).
              expectBytes(journalWhileOpen, new Uint8Array(), "the journal while open");
              await rm(dir, { recursive: true, force: true });
            },
          ),
          100,
        ),
      );
    },
    timeoutFor(100, 60),
  );

  it(
    "damage before a whole record (garbage first, between records, or a flipped bit) is refused, naming the journal and offset; neither file is touched",
    async () => {
      const damaged = fc
        .record({
          at: fc.integer({ min: 0, max: journalRecords.length - 1 }),
          skip: fc.nat({ max: 2 }),
          kind: fc.constantFrom("garbage", "flip"),
          junk: garbage(2048),
          flip: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })),
        })
        // A whole record must follow the damage.
        .filter(({ at, skip, kind }) =>
          kind === "garbage" ? at + skip < journalRecords.length : at < journalRecords.length - 1,
        );
      await withoutUncaught(() =>
        checkProperty(
          "journal damaged before a whole record: refused by offset, untouched",
          fc.asyncProperty(damaged, async ({ at, skip, kind, junk, flip }) => {
            const before = concat(...journalRecords.slice(0, at));
            let journal: Uint8Array;
            if (kind === "garbage") {
              journal = concat(before, junk, ...journalRecords.slice(at + skip));
            } else {
              const record = (journalRecords[at] as Uint8Array).slice();
              const index = flip[0] % record.length;
              record[index] = (record[index] as number) ^ (1 << flip[1]);
              journal = concat(before, record, ...journalRecords.slice(at + 1));
            }
            const { dir, file, journalFile } = await place(baseImage, journal);
            const error = await refusedOpen(file);
            expect(error).toBeInstanceOf(CorruptDatabaseError);
            expect(error.message).toContain(journalFile);
            expect(error.message).toContain(
              `the journal record at offset ${before.length} is damaged`,
            );
            expectBytes(await bytesOf(file), baseImage, "the database file");
            expectBytes(await bytesOf(journalFile), journal, "the journal");
            expect((await readdir(dir)).sort()).toEqual([
              "negotiations.db",
              `negotiations.db${JOURNAL}`,
            ]);
            await rm(dir, { recursive: true, force: true });
          }),
          100,
        ),
      );
    },
    timeoutFor(100, 40),
  );

  it("refusing a corrupt database file leaves its journal as it was", async () => {
    const journal = concat(new TextEncoder().encode("NSJ1"), new Uint8Array(40).fill(7));
    const { file, journalFile } = await place(new TextEncoder().encode("not a database"), journal);
    await expect(refusedOpen(file)).resolves.toBeInstanceOf(CorruptDatabaseError);
    // Today: filePersistence.open() cuts the "torn tail" (here: all of it) before the
    // adapter checks the database file, and the close() after the refusal deletes the
    // now-empty journal.
    expect(await bytesOf(journalFile)).toEqual(journal);
  });

  it("a refusal at open holds nothing: once the journal is repaired, the same files open", async () => {
    const { dir, file, journalFile } = await place(
      baseImage,
      concat(new Uint8Array([1]), ...journalRecords),
    );
    await refusedOpen(file);
    await writeFile(journalFile, concat(...journalRecords));
    const store = await openNegotiationStore({ persistence: filePersistence(file) });
    expect((await store.restoreActive()).map((n) => n.threadId).sort()).toEqual(
      [...baseThreads, ...journalThreads].sort(),
    );
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});
