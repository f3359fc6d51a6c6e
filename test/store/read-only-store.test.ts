/**
 * A store on a read-only target (`filePersistence(path, { readOnly: true })`): it runs no
 * DDL, reads what is there, refuses a database without the table, and refuses every change
 * with one clear error.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError } from "../../src/persistence/errors.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/python-service.db", import.meta.url));

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "read-only-store-"));
});

afterEach(() => rm(folder, { recursive: true, force: true }));

function python(script: string, file: string): void {
  execFileSync("python3", ["-c", script, file]);
}

describe("openNegotiationStore on a read-only target", () => {
  it("reads a Python-written database without the index, and changes no byte of it", async () => {
    const file = join(folder, "python.db");
    await copyFile(FIXTURE, file);
    // Without its index, the DDL would have something to create.
    python(
      "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('DROP INDEX idx_neg_state_state')",
      file,
    );
    const before = await readFile(file);
    const persistence = filePersistence(file, { readOnly: true });
    expect(persistence.readOnly).toBe(true);
    const store = await openNegotiationStore({ persistence });
    expect((await store.restoreActive()).map((n) => n.threadId)).toHaveLength(7);
    expect((await store.load("thread-paused"))?.stateMachine.prePauseState).toBe("counter_sent");
    expect(await store.restoreAll()).toHaveLength(10);
    await store.close();
    expect(await readFile(file)).toEqual(before);
  });

  it("refuses a database with no negotiation_state table, naming the file", async () => {
    const file = join(folder, "other.db");
    python(
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE audit_log (entry TEXT)'); c.commit()",
      file,
    );
    const before = await readFile(file);
    const error = await openNegotiationStore({
      persistence: filePersistence(file, { readOnly: true }),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("STORAGE_FAILED");
    expect((error as StorageError).location).toBe(file);
    expect((error as StorageError).message).toContain(file);
    expect((error as StorageError).detail).toBe(
      "there is no negotiation_state table in it, and a read-only store cannot create one",
    );
    expect(await readFile(file)).toEqual(before);
  });

  it("refuses every change with the adapter's read-only StorageError, and writes nothing", async () => {
    const file = join(folder, "python.db");
    await copyFile(FIXTURE, file);
    const before = await readFile(file);
    const store = await openNegotiationStore({
      persistence: filePersistence(file, { readOnly: true }),
    });
    const [row] = await store.loadAll();
    if (row === undefined) throw new Error("the fixture has rows");
    const changes: [string, () => Promise<unknown>][] = [
      ["save", () => store.save(negotiation("new"))],
      ["update", () => store.update("thread-stale", () => ({ delete: true }))],
      ["putRow", () => store.putRow({ ...row, thread_id: "copy" })],
      ["delete", () => store.delete("thread-stale")],
      ["transaction", () => store.transaction(async () => "read")],
    ];
    for (const [what, change] of changes) {
      const error = await change().catch((caught: unknown) => caught);
      expect(error, what).toBeInstanceOf(StorageError);
      expect((error as StorageError).location, what).toBe(file);
      expect((error as StorageError).message, what).toBe(
        `The database ${file} is open read-only: it cannot be changed`,
      );
    }
    expect(await store.loadAll()).toHaveLength(10);
    await store.close();
    expect(await readFile(file)).toEqual(before);
  });
});
