/**
 * Property: a thread id is any non-empty, well-formed string (unicode, NUL, quotes, SQL,
 * very long) and is stored literally: save, loadActive, restoreActive and delete all see
 * the identical id, in memory and through a file's journal and checkpoint. The empty
 * string, non-strings and text with a lone surrogate (which SQLite's UTF-8 cannot hold)
 * are refused with ValidationError at `threadId`, and nothing is written.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";
import { checkProperty, timeoutFor } from "./support.js";

// A default that grows with FC_RUNS, for the tests that do not set their own.
vi.setConfig({ testTimeout: timeoutFor(1000, 20) });

const SQL_AND_QUOTES = [
  "'); DROP TABLE negotiation_state; --",
  "' OR '1'='1",
  '"; DELETE FROM negotiation_state WHERE "1"="1',
  "x'||(SELECT sqlite_version())||'",
  "%",
  "_",
  "\\",
  "?",
  "?1",
  ":name",
  "$name",
  "@name",
  "<CAF=abc@mail.gmail.com>",
  " ",
  "\0",
  "a\0b",
  "\0\0\0",
  "\u{1F338}",
  "e\u0301",
  "\u00e9",
  "x\uFEFF",
  "\u2028",
  "NULL",
  "null",
] as const;

/** Any well-formed, non-empty id that does not begin with U+FEFF. */
const threadId = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(...SQL_AND_QUOTES) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...SQL_AND_QUOTES), fc.string({ unit: "binary", maxLength: 8 }))
        .map(([sql, tail]) => `${tail}${sql}${tail}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.string({ unit: "binary", minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1000, max: 20_000 }),
        )
        .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length))),
    },
  )
  .filter((id) => !id.startsWith("\uFEFF"));

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Ids with a surrogate that has no pair, somewhere. */
const illFormedId = fc
  .tuple(
    fc.string({ unit: "binary", maxLength: 6 }),
    loneSurrogate,
    fc.string({ unit: "binary", maxLength: 6 }),
  )
  .map(([before, lone, after]) => `${before}${lone}${after}`)
  // A high surrogate followed by a low one is a pair, not a lone surrogate.
  .filter((id) =>
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(id),
  );

/** Ids that begin with a byte order mark, which sql.js drops when it reads text. */
const bomId = fc.string({ unit: "binary", maxLength: 6 }).map((rest) => `\uFEFF${rest}`);

const notAnId = fc.oneof(
  fc.constant(""),
  fc.constantFrom(null, undefined, 0, 1, -1, Number.NaN, true, false, 10n, Symbol("id")),
  fc.double(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(new String("thread-1")),
  fc.constant({ toString: () => "thread-1" }),
);

let adapter: SqlJsAdapter;
let store: NegotiationStateStore;

beforeAll(async () => {
  adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
  await initNegotiationStateTable(adapter);
  store = new NegotiationStateStore(adapter);
});

afterAll(() => adapter.close());

/** Every run starts from an empty table, whatever a failed run left behind. */
async function emptyTable(): Promise<void> {
  await adapter.run("DELETE FROM negotiation_state");
}

function refusal(fn: () => Promise<unknown>): Promise<unknown> {
  return fn().then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error,
  );
}

describe("thread ids in a memory store", () => {
  it(
    "any non-empty well-formed id is stored literally: save, loadActive, restoreActive, delete",
    async () => {
      await checkProperty(
        "thread id stored literally (memory)",
        fc.asyncProperty(threadId, async (id) => {
          await emptyTable();
          await store.save(negotiation(id));
          const rows = await store.loadActive();
          expect(rows.map((row) => row.thread_id)).toEqual([id]);
          const [restored] = await store.restoreActive();
          expect(restored?.threadId).toBe(id);
          expect(restored?.threadId.length).toBe(id.length);
          expect(await store.delete(id)).toBe(true);
          expect(await store.loadActive()).toEqual([]);
          expect(await store.delete(id)).toBe(false);
        }),
        500,
      );
    },
    timeoutFor(500, 10),
  );

  it(
    "distinct ids stay distinct, however alike (NUL, case, normalisation, spaces), and delete only their own row",
    async () => {
      const alike = threadId.chain((id) =>
        fc
          .constantFrom(
            (text: string) => `${text}\0`,
            (text: string) => `\0${text}`,
            (text: string) => text.toUpperCase(),
            (text: string) => text.normalize("NFD"),
            (text: string) => text.normalize("NFC"),
            (text: string) => `${text} `,
            (text: string) => `${text}\0x`,
            (text: string) => text.replace(/\0/g, ""),
          )
          .map((change) => [id, change(id)] as const)
          .filter(([, other]) => other !== id && other !== "" && !other.startsWith("\uFEFF")),
      );
      await checkProperty(
        "alike thread ids stay distinct (memory)",
        fc.asyncProperty(alike, async ([first, second]) => {
          await emptyTable();
          await store.save(negotiation(first));
          await store.save(negotiation(second, ["send_offer", "receive_reply"]));
          const states = new Map(
            (await store.restoreActive()).map((n) => [n.threadId, n.stateMachine.state]),
          );
          expect(states).toEqual(
            new Map([
              [first, "awaiting_reply"],
              [second, "counter_received"],
            ]),
          );
          expect(await store.delete(first)).toBe(true);
          expect((await store.loadActive()).map((row) => row.thread_id)).toEqual([second]);
          expect(await store.delete(second)).toBe(true);
        }),
        300,
      );
    },
    timeoutFor(300, 10),
  );

  it("the empty string, non-strings, ids with a lone surrogate or a leading U+FEFF are refused at threadId, and nothing is written", async () => {
    await emptyTable();
    await store.save(negotiation("kept"));
    const before = await store.loadActive();
    await checkProperty(
      "bad thread ids refused at threadId",
      fc.asyncProperty(fc.oneof(notAnId, illFormedId, bomId), async (id) => {
        for (const error of [
          await refusal(() =>
            store.save(negotiation("placeholder", ["send_offer"], { threadId: id as string })),
          ),
          await refusal(() => store.delete(id as string)),
        ]) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).path).toBe("threadId");
        }
        expect(await store.loadActive()).toEqual(before);
      }),
      500,
    );
    await store.delete("kept");
  });

  it("refuses an id with a lone surrogate (regression: it was stored as U+FFFD and came back as another id)", async () => {
    await emptyTable();
    const error = await refusal(() => store.save(negotiation("thread-\uD800")));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^threadId: .*lone surrogate \(\\ud800\) at index 7/);
    expect(await store.loadActive()).toEqual([]);
    // A pair is fine.
    await store.save(negotiation("thread-\uD83C\uDF38"));
    expect((await store.restoreActive()).map((n) => n.threadId)).toEqual(["thread-\u{1F338}"]);
    await store.delete("thread-\u{1F338}");
  });

  it("refuses an id that begins with U+FEFF (regression: sql.js read it back without it, as another id)", async () => {
    await emptyTable();
    const error = await refusal(() => store.save(negotiation("\uFEFFthread-1")));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^threadId: must not begin with U\+FEFF/);
    expect(await store.loadActive()).toEqual([]);
    // Elsewhere in the id it is kept.
    await store.save(negotiation("thread-\uFEFF1"));
    expect((await store.restoreActive()).map((n) => n.threadId)).toEqual(["thread-\uFEFF1"]);
  });
});

describe("thread ids through a file's journal and checkpoint", () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "negotiation-state-thread-ids-"));
  });

  afterAll(() => rm(folder, { recursive: true, force: true }));

  let run = 0;

  it(
    "come back identical after a crash-style reopen (journal replay) and after close and reopen (checkpoint)",
    async () => {
      await checkProperty(
        "thread ids stored literally (file: journal replay and checkpoint)",
        fc.asyncProperty(fc.uniqueArray(threadId, { minLength: 1, maxLength: 8 }), async (ids) => {
          run++;
          const file = join(folder, `run-${run}.db`);
          const crashed = join(folder, `run-${run}-crashed.db`);
          const expected = [...ids].sort();
          const store = await openNegotiationStore({ persistence: filePersistence(file) });
          for (const id of ids) await store.save(negotiation(id));
          // What a crash would leave: the database file and the journal, no close().
          // (The database file itself may not exist yet: everything can be in the journal.)
          await copyFile(file, crashed).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== "ENOENT") throw error;
          });
          await copyFile(`${file}.ns-journal`, `${crashed}.ns-journal`);
          await store.close();

          for (const path of [crashed, file]) {
            const reopened = await openNegotiationStore({ persistence: filePersistence(path) });
            const threads = (await reopened.restoreActive()).map((n) => n.threadId).sort();
            expect(threads).toEqual(expected);
            for (const id of ids) expect(await reopened.delete(id)).toBe(true);
            expect(await reopened.loadActive()).toEqual([]);
            await reopened.close();
          }
          await rm(file, { force: true });
          await rm(crashed, { force: true });
        }),
        50,
      );
    },
    timeoutFor(50, 100),
  );
});
