import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import {
  ForeignWriteError,
  PendingSqliteJournalError,
  StorageError,
} from "../../src/persistence/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { runCli } from "../cli/run-cli.js";
import { negotiation } from "../support/negotiations.js";
import {
  type PythonService,
  readWithPython,
  startPythonService,
} from "../support/python-service.js";

let folder: string;
let file: string;
const services: PythonService[] = [];
const adapters: SqlJsAdapter[] = [];

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-shared-"));
  file = join(folder, "service.db");
});

afterEach(async () => {
  for (const service of services.splice(0)) await service.kill();
  for (const adapter of adapters.splice(0)) await adapter.close().catch(() => undefined);
  await rm(folder, { recursive: true, force: true });
});

async function python(options: { wal: boolean }): Promise<PythonService> {
  const service = await startPythonService(file, options);
  services.push(service);
  return service;
}

async function openStore(
  options: Parameters<typeof filePersistence>[1] = {},
): Promise<{ adapter: SqlJsAdapter; store: NegotiationStateStore }> {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(file, options) });
  adapters.push(adapter);
  if (!options.readOnly) await initNegotiationStateTable(adapter);
  return { adapter, store: new NegotiationStateStore(adapter) };
}

async function activeThreads(store: NegotiationStateStore): Promise<string[]> {
  return (await store.loadActive()).map((row) => row.thread_id).sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const threads = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${String(index + 1).padStart(2, "0")}`);

describe("a file the Python service holds open in WAL mode", () => {
  it("is read with every commit of its WAL, by a read-only open and by the CLI", async () => {
    const service = await python({ wal: true });
    for (const thread of threads("py", 12)) await service.save(thread);
    expect((await stat(`${file}-wal`)).size).toBeGreaterThan(0);

    const reader = await openStore({ readOnly: true });
    expect(await activeThreads(reader.store)).toEqual(threads("py", 12));
    await reader.adapter.close();

    const { status, stdout, stderr } = await runCli(["list", "--json", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(
      (JSON.parse(stdout) as { thread_id: string }[]).map((row) => row.thread_id).sort(),
    ).toEqual(threads("py", 12));

    const verified = await runCli(["verify", file]);
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: "" });
    expect(verified.stdout).toMatch(/committed frames? of .*service\.db-wal/);
    expect(verified.stdout).toContain("12 negotiations read back");

    await service.save("py-13");
    const again = await openStore({ readOnly: true });
    expect(await activeThreads(again.store)).toEqual([...threads("py", 12), "py-13"]);
  });

  it("refuses a writer, naming the WAL, and changes nothing", async () => {
    const service = await python({ wal: true });
    for (const thread of threads("py", 3)) await service.save(thread);
    const before = [await readFile(file), await readFile(`${file}-wal`)];

    for (const attempt of [1, 2]) {
      const refusal = await openStore().then(
        () => new Error(`attempt ${attempt} opened`),
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(PendingSqliteJournalError);
      expect(refusal).toMatchObject({ code: "SQLITE_JOURNAL_PENDING", journalFile: `${file}-wal` });
      expect((refusal as Error).message).toContain(`${file}-wal`);
      expect((refusal as Error).message).toContain("noOtherSqliteProcess");
    }
    expect([await readFile(file), await readFile(`${file}-wal`)]).toEqual(before);
    expect(await exists(`${file}.lock`)).toBe(false);

    await service.close();
    const { store } = await openStore();
    expect(await activeThreads(store)).toEqual(threads("py", 3));
  });

  it("with noOtherSqliteProcess, a writer takes over what a killed service left in its WAL; python3 then reads both sides", async () => {
    const service = await python({ wal: true });
    for (const thread of threads("py", 8)) await service.save(thread);
    await service.audit("sent 8 offers");
    await service.kill();
    expect((await stat(`${file}-wal`)).size).toBeGreaterThan(0);
    await expect(openStore()).rejects.toBeInstanceOf(PendingSqliteJournalError);

    const { adapter, store } = await openStore({ noOtherSqliteProcess: true });
    expect(await exists(`${file}-wal`)).toBe(false);
    expect(await exists(`${file}-shm`)).toBe(false);
    expect((await store.restoreActive()).map((each) => each.threadId).sort()).toEqual(
      threads("py", 8),
    );
    for (const thread of threads("ts", 8)) await store.save(negotiation(thread));
    await adapter.close();

    const header = await readFile(file);
    expect([header[18], header[19]]).toEqual([2, 2]);
    const view = await readWithPython(file);
    expect(view).toMatchObject({
      threads: [...threads("py", 8), ...threads("ts", 8)],
      audit: ["sent 8 offers"],
      integrity: "ok",
    });
  });

  it("is folded by the CLI's checkpoint --take-over-wal once the service is gone, and refused without it", async () => {
    const service = await python({ wal: true });
    for (const thread of threads("py", 4)) await service.save(thread);
    await service.kill();

    const refused = await runCli(["checkpoint", file]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${file}-wal`);
    expect(await exists(`${file}-wal`)).toBe(true);

    const taken = await runCli(["checkpoint", "--take-over-wal", file]);
    expect({ status: taken.status, stderr: taken.stderr }).toEqual({ status: 0, stderr: "" });
    expect(await exists(`${file}-wal`)).toBe(false);
    expect(await readWithPython(file)).toMatchObject({
      threads: threads("py", 4),
      integrity: "ok",
    });
  });

  it("stays in WAL mode after a checkpoint, with the service's other tables and indexes as they were", async () => {
    const service = await python({ wal: true });
    await service.save("py-01");
    for (const entry of ["one", "two", "three"]) await service.audit(entry);
    const { schema: schemaBefore } = await service.read();
    await service.close();
    const others = (schema: typeof schemaBefore) =>
      schema.filter(([, name]) => name === "audit_log" || name === "idx_audit_entry");
    const pagesOf = (image: Uint8Array) => {
      const pageSize = new DataView(image.buffer, image.byteOffset).getUint16(16);
      return others(schemaBefore).map(([, , root]) =>
        image.subarray((root - 1) * pageSize, root * pageSize),
      );
    };
    const pagesBefore = pagesOf(await readFile(file));

    const { adapter, store } = await openStore();
    await store.save(negotiation("ts-01"));
    await adapter.close();

    const after = await readFile(file);
    expect([after[18], after[19]]).toEqual([2, 2]);
    // The service's table and index: the same root pages, byte for byte.
    expect(pagesOf(after)).toEqual(pagesBefore);
    const view = await readWithPython(file);
    expect(view.audit).toEqual(["one", "two", "three"]);
    expect(view.threads).toEqual(["py-01", "ts-01"]);
    expect(others(view.schema)).toEqual(others(schemaBefore));
    expect(others(view.schema)).toHaveLength(2);
  });

  it("refuses a writer beside an unfinished rollback-mode change, naming the journal", async () => {
    const service = await python({ wal: false });
    await service.save("py-01");
    await service.begin("py-01");
    await service.kill();

    const refusal = await openStore({ noOtherSqliteProcess: true }).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(PendingSqliteJournalError);
    expect(refusal).toMatchObject({ journalFile: `${file}-journal` });
    const reading = await openStore({ readOnly: true }).catch((error: unknown) => error);
    expect(reading).toBeInstanceOf(StorageError);
    expect((reading as Error).message).toContain(`${file}-journal`);

    // Opening it once with SQLite rolls the change back; then the writer opens.
    expect(await readWithPython(file)).toMatchObject({ threads: ["py-01"], audit: [] });
    const { store } = await openStore();
    expect((await store.restoreActive())[0]?.roundCount).toBe(1);
  });
});

describe("a write by another SQLite program while a writer has the file open", () => {
  it("is never overwritten: open, save twice, python3 inserts a row, save, close", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("ts-01"));
    await store.save(negotiation("ts-02"));
    const service = await python({ wal: false });
    await service.save("py-01");
    await service.audit("inserted beside a writer");
    await service.close();
    await store.save(negotiation("ts-03"));

    const closing = await adapter.close().catch((error: unknown) => error);
    expect(closing).toBeInstanceOf(ForeignWriteError);
    expect(closing).toMatchObject({ code: "FOREIGN_WRITE", location: file });
    expect(await readWithPython(file)).toMatchObject({
      threads: ["py-01"],
      audit: ["inserted beside a writer"],
      integrity: "ok",
    });
    expect((await stat(`${file}${JOURNAL_SUFFIX}`)).size).toBeGreaterThan(0);

    const reopened = await openStore();
    expect(await activeThreads(reopened.store)).toEqual(["py-01", "ts-01", "ts-02", "ts-03"]);
    await reopened.adapter.close();
    expect(await readWithPython(file)).toMatchObject({
      threads: ["py-01", "ts-01", "ts-02", "ts-03"],
      audit: ["inserted beside a writer"],
      integrity: "ok",
    });
  });

  it("in rollback mode: the checkpoint is refused, and the next save and close() report it", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("ts-01"));
    await adapter.checkpoint();
    await store.save(negotiation("ts-02"));
    const service = await python({ wal: false });
    await service.save("py-01");
    await service.close();
    await store.save(negotiation("ts-03"));

    const refusal = await adapter.checkpoint().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ForeignWriteError);
    expect((refusal as ForeignWriteError).evidence).toMatch(/size|change counter|rewritten/);
    await expect(store.save(negotiation("ts-04"))).rejects.toBe(refusal);
    await expect(adapter.close()).rejects.toBe(refusal);
    expect((await readWithPython(file)).threads).toEqual(["py-01", "ts-01"]);

    const reopened = await openStore();
    expect(await activeThreads(reopened.store)).toEqual(["py-01", "ts-01", "ts-02", "ts-03"]);
  });

  it("in WAL mode: the checkpoint is refused while the service runs, and nothing is lost once it stops", async () => {
    const { adapter, store } = await openStore();
    await store.save(negotiation("ts-01"));
    await adapter.checkpoint();
    const service = await python({ wal: true });
    await service.save("py-01");
    await store.save(negotiation("ts-02"));

    const refusal = await adapter.close().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ForeignWriteError);
    expect((refusal as ForeignWriteError).evidence).toContain(`${file}-wal`);
    expect(await service.read()).toMatchObject({ threads: ["py-01", "ts-01"], integrity: "ok" });
    await service.close();

    const reopened = await openStore();
    expect(await activeThreads(reopened.store)).toEqual(["py-01", "ts-01", "ts-02"]);
    await reopened.adapter.close();
    expect(await readWithPython(file)).toMatchObject({
      threads: ["py-01", "ts-01", "ts-02"],
      integrity: "ok",
    });
  });
});
