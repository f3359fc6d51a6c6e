/**
 * The writer's lock and journal at the edges (DESIGN §6): a lock is complete the moment it
 * is visible and names the host's boot; a writer acknowledges nothing once its lock or its
 * journal is not the one it created; folders it creates are durable.
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatabaseLockedError, StorageError } from "../../src/persistence/errors.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { faultyFileSystem } from "../support/faulty-file-system.js";
import { negotiation } from "../support/negotiations.js";

let folder: string;
let file: string;
const stores: NegotiationStateStore[] = [];
const children: ReturnType<typeof spawn>[] = [];

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-lock-"));
  file = join(folder, "negotiations.db");
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const store of stores.splice(0)) await store.close().catch(() => undefined);
  await rm(folder, { recursive: true, force: true });
});

async function open(path = file): Promise<NegotiationStateStore> {
  const store = await openNegotiationStore({ persistence: filePersistence(path) });
  stores.push(store);
  return store;
}

/** What a kill -9 leaves: the files as they are now, opened elsewhere without the lock. */
async function threadsAfterCrash(): Promise<string[]> {
  const copy = join(folder, "after-crash");
  await mkdir(copy);
  for (const name of ["negotiations.db", `negotiations.db${JOURNAL_SUFFIX}`]) {
    await cp(join(folder, name), join(copy, name), { recursive: true }).catch(() => undefined);
  }
  const store = await open(join(copy, "negotiations.db"));
  return (await store.loadActive()).map((row) => row.thread_id).sort();
}

function livePid(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  children.push(child);
  return child.pid as number;
}

describe("the lock file", () => {
  it("is written and synced under a temporary name before it is linked into place", async () => {
    const fileSystem = faultyFileSystem();
    const store = await openNegotiationStore({
      persistence: filePersistence(file, { fileSystem }),
    });
    stores.push(store);
    const link = fileSystem.calls.findIndex((call) => call.startsWith("link "));
    const aside = (fileSystem.calls[link] as string).slice("link ".length);
    expect(aside).toMatch(/\.lock\.[0-9a-f-]{36}$/);
    const synced = fileSystem.calls.indexOf(`fsync ${aside}`);
    expect(synced).toBeGreaterThan(-1);
    expect(synced).toBeLessThan(link);
  });

  it("names this boot of the host, and a lock from an earlier boot is taken over though its pid lives", async () => {
    const bootId = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
    const first = await open();
    expect(JSON.parse(await readFile(`${file}.lock`, "utf8")).boot).toBe(bootId);
    await first.close();

    const pid = livePid();
    const lock = { pid, host: hostname(), token: "before-the-reboot", boot: "an-earlier-boot" };
    await writeFile(`${file}.lock`, JSON.stringify(lock));
    const store = await open();
    await store.save(negotiation("after-reboot"));
    expect(JSON.parse(await readFile(`${file}.lock`, "utf8")).pid).toBe(process.pid);

    // The same pid in this boot is still a holder.
    await store.close();
    await writeFile(`${file}.lock`, JSON.stringify({ ...lock, boot: bootId }));
    await expect(open()).rejects.toBeInstanceOf(DatabaseLockedError);
  });

  it("is taken over when a crash left it empty", async () => {
    await writeFile(`${file}.lock`, "");
    const store = await open();
    await store.save(negotiation("after-crash"));
    expect(JSON.parse(await readFile(`${file}.lock`, "utf8")).pid).toBe(process.pid);
  });

  it("deleted while a writer runs: the writer acknowledges nothing more, and no acknowledged save is lost", async () => {
    const first = await open();
    await first.save(negotiation("A"));
    await first.save(negotiation("B"));
    await rm(`${file}.lock`);
    const second = await open();
    await second.save(negotiation("C"));

    const refused = await first.save(negotiation("D")).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StorageError);
    expect(String((refused as Error).message)).toContain("lock file");
    await second.save(negotiation("A", ["send_offer", "receive_reply"]));
    await first.close().catch(() => undefined);
    await second.close();

    const reopened = await open();
    const rows = await reopened.loadActive();
    expect(rows.map((row) => row.thread_id).sort()).toEqual(["A", "B", "C"]);
    expect(rows.find((row) => row.thread_id === "A")?.state).toBe("counter_received");
  });

  it("taken over while its writer is idle: that writer's next save harms none of the records of the writer that took over", async () => {
    const first = await open();
    for (const thread of ["A", "B", "C", "D"]) await first.save(negotiation(thread));
    await rm(`${file}.lock`);
    const second = await open();
    for (const thread of ["E", "F", "G", "H"]) await second.save(negotiation(thread));

    // The first writer checks its lock once its record is durable: it has written by then.
    await expect(first.save(negotiation("I"))).rejects.toThrow("lock file");
    expect(await threadsAfterCrash()).toEqual(["A", "B", "C", "D", "E", "F", "G", "H"]);
  });

  it("replaced while a writer runs: the writer's next save is refused", async () => {
    const store = await open();
    await store.save(negotiation("A"));
    await rm(`${file}.lock`);
    await writeFile(
      `${file}.lock`,
      JSON.stringify({ pid: livePid(), host: hostname(), token: "x" }),
    );
    await expect(store.save(negotiation("B"))).rejects.toThrow("was replaced");
  });
});

describe("the journal", () => {
  it("deleted while a writer runs is written again before the next acknowledgement: kill -9 loses nothing", async () => {
    const store = await open();
    await store.save(negotiation("A"));
    await store.save(negotiation("B"));
    await rm(`${file}${JOURNAL_SUFFIX}`);
    await store.save(negotiation("C"));
    await Promise.all([store.save(negotiation("D")), store.save(negotiation("E"))]);
    expect(await threadsAfterCrash()).toEqual(["A", "B", "C", "D", "E"]);
  });

  it("replaced by another file while a writer runs is written again as well", async () => {
    const store = await open();
    await store.save(negotiation("A"));
    await rm(`${file}${JOURNAL_SUFFIX}`);
    await writeFile(`${file}${JOURNAL_SUFFIX}`, "");
    await store.save(negotiation("B"));
    expect(await threadsAfterCrash()).toEqual(["A", "B"]);
  });

  it("moved away while a writer runs is written again at its path", async () => {
    const store = await open();
    await store.save(negotiation("A"));
    await rename(`${file}${JOURNAL_SUFFIX}`, join(folder, "moved-away"));
    await store.save(negotiation("B"));
    expect(await threadsAfterCrash()).toEqual(["A", "B"]);
  });

  it("with a directory put in its place, the next save is refused, and the database file keeps every acknowledged save", async () => {
    const store = await open();
    await store.save(negotiation("A"));
    await store.save(negotiation("B"));
    await rm(`${file}${JOURNAL_SUFFIX}`);
    await mkdir(`${file}${JOURNAL_SUFFIX}`);
    await expect(store.save(negotiation("C"))).rejects.toBeInstanceOf(StorageError);
    // What a kill -9 now leaves: the database file (the journal's place holds a folder).
    await expect(store.close()).resolves.toBeUndefined();
    const copy = join(folder, "after-crash");
    await mkdir(copy);
    await cp(file, join(copy, "negotiations.db"));
    const reopened = await open(join(copy, "negotiations.db"));
    const threads = (await reopened.loadActive()).map((row) => row.thread_id).sort();
    expect(threads.slice(0, 2)).toEqual(["A", "B"]);
  });
});

describe("a folder the writer creates", () => {
  it("is synced into its parent, each level of it", async () => {
    const fileSystem = faultyFileSystem();
    const nested = join(folder, "a", "b", "negotiations.db");
    const store = await openNegotiationStore({
      persistence: filePersistence(nested, { fileSystem }),
    });
    stores.push(store);
    const mkdirAt = fileSystem.calls.indexOf(`mkdir ${dirname(nested)}`);
    const synced = fileSystem.calls
      .slice(mkdirAt)
      .filter((call) => call.startsWith("fsync "))
      .map((call) => call.slice("fsync ".length));
    for (const parent of [folder, join(folder, "a")]) expect(synced).toContain(parent);
  });
});
