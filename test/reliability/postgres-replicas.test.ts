/**
 * Agent replicas sharing one PostgreSQL database (DESIGN §3 `update`, §7): separate processes
 * on the built package changing the same threads at once. `update` loses no transition;
 * `save` alone does; a replica SIGKILLed inside an update loses nothing it acknowledged,
 * leaves nothing it did not, and holds no other replica back.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { NegotiationStateRow } from "../../src/store/negotiation-state-table.js";
import { openPostgresStore } from "../../src/store/open-postgres-store.js";
import { freshSchema, postgresUrl } from "../support/postgres-database.js";
import { queryPostgres, quotedIdentifier } from "../support/postgres-query.js";
import {
  type ReplicaProcess,
  startReplica,
  startReplicasTogether,
} from "../support/postgres-replica-process.js";

/** N replicas, M changes each, K shared threads. */
const N = 4;
const M = 25;
const K = 3;
/** Between a change's read and its write: the window in which another replica may write. */
const PAUSE_MS = 2;

const schemas: { drop(): Promise<void> }[] = [];
const started: ReplicaProcess[] = [];
afterAll(async () => {
  for (const replica of started) replica.child.kill("SIGKILL");
  await Promise.all(schemas.map((schema) => schema.drop()));
});

function newSchema(label: string): string {
  const fresh = freshSchema(label);
  schemas.push(fresh);
  return fresh.schema;
}

/** What each final row holds of the replicas' changes. */
interface ThreadTally {
  readonly threadId: string;
  readonly transitions: number;
  readonly roundCount: number;
  readonly log: readonly string[];
}

async function tally(schema: string): Promise<ThreadTally[]> {
  const store = await openPostgresStore({ connectionString: postgresUrl() }, { schema });
  try {
    return (await store.loadAll()).map((row: NegotiationStateRow) => ({
      threadId: row.thread_id,
      transitions: (JSON.parse(row.history_json) as unknown[]).length,
      roundCount: row.round_count,
      log: (JSON.parse(row.context_json) as { log: string[] }).log,
    }));
  } finally {
    await store.close();
  }
}

/** The change names a replica printed as committed (`ack <name> <thread>`). */
function acknowledged(replicas: readonly ReplicaProcess[]): string[] {
  return replicas
    .flatMap((replica) => replica.lines)
    .filter((line) => line.startsWith("ack "))
    .map((line) => line.split(" ")[1] as string);
}

/** Runs N replicas making M changes each on K threads (none exists yet), to their end. */
async function runReplicas(mode: "update" | "save", schema: string) {
  const threads = Array.from({ length: K }, (_, k) => `${schema}-thread-${k}`);
  const replicas = await startReplicasTogether(
    Array.from({ length: N }, (_, index) => [
      postgresUrl(),
      schema,
      mode,
      `r${index}`,
      String(M),
      String(PAUSE_MS),
      // Each replica starts on another thread, then goes round them all.
      ...threads.slice(index % K),
      ...threads.slice(0, index % K),
    ]),
  );
  started.push(...replicas);
  const codes = await Promise.all(replicas.map((replica) => replica.exited));
  const failures = replicas.flatMap((replica) =>
    replica.lines.filter((line) => line.startsWith("failed")),
  );
  expect(failures).toEqual([]);
  expect(codes).toEqual(replicas.map(() => 0));
  return { acks: acknowledged(replicas), rows: await tally(schema) };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe(`${N} replica processes x ${M} changes of ${K} shared threads`, () => {
  it("with update: the rows hold exactly N x M transitions, each acknowledged change once", async () => {
    const { acks, rows } = await runReplicas("update", newSchema("replicas_update"));
    expect(acks).toHaveLength(N * M);
    expect(rows).toHaveLength(K);
    expect(sum(rows.map((row) => row.transitions))).toBe(N * M);
    expect(sum(rows.map((row) => row.roundCount))).toBe(N * M);
    for (const row of rows) {
      expect(row.transitions).toBe(row.log.length);
      expect(row.roundCount).toBe(row.log.length);
    }
    expect(rows.flatMap((row) => row.log).sort()).toEqual([...acks].sort());
  });

  it("with load and save alone: acknowledged changes are lost (last writer wins)", async () => {
    const { acks, rows } = await runReplicas("save", newSchema("replicas_save"));
    expect(acks).toHaveLength(N * M);
    const kept = rows.flatMap((row) => row.log);
    expect(new Set(acks)).toEqual(new Set([...acks, ...kept]));
    const lost = N * M - sum(rows.map((row) => row.transitions));
    console.log(`[replicas] save alone lost ${lost} of ${N * M} acknowledged transitions`);
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(kept).toHaveLength(N * M - lost);
  });
});

/** How many transactions wait for the advisory lock `update` takes on `threadId`. */
/** Replicas waiting for a thread's lock: the adapter's key is the quoted schema, then the store's key. */
async function waitingForThread(schema: string, threadId: string): Promise<number> {
  const [row] = await queryPostgres<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
     WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
       AND classid::bigint = (hashtextextended($1, 0) >> 32) & 4294967295
       AND objid::bigint = hashtextextended($1, 0) & 4294967295`,
    [`${quotedIdentifier(schema)}.negotiation_state:${threadId}`],
  );
  return row?.n ?? 0;
}

describe("a replica SIGKILLed inside update", () => {
  it("loses nothing it acknowledged, leaves nothing it did not commit, and releases the thread", async () => {
    const schema = newSchema("replicas_kill");
    const threadId = `${schema}-hot`;
    const others = 3;
    const changes = 10;
    const victim = startReplica([postgresUrl(), schema, "die", "victim", "3", threadId]);
    started.push(victim);
    await victim.line("ready");
    victim.go();
    // Its transaction holds the thread, with a change written and not committed.
    await victim.line("inside");
    const acknowledgedByVictim = acknowledged([victim]);
    expect(acknowledgedByVictim).toEqual(["victim:0", "victim:1", "victim:2"]);

    const replicas = await startReplicasTogether(
      Array.from({ length: others }, (_, index) => [
        postgresUrl(),
        schema,
        "update",
        `r${index}`,
        String(changes),
        "0",
        threadId,
      ]),
    );
    started.push(...replicas);
    const deadline = Date.now() + 5_000;
    while ((await waitingForThread(schema, threadId)) < others) {
      expect(Date.now(), "the other replicas never queued for the thread").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(acknowledged(replicas)).toEqual([]);

    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual(
      replicas.map(() => 0),
    );

    const [row, ...more] = await tally(schema);
    expect(more).toEqual([]);
    const expected = [...acknowledgedByVictim, ...acknowledged(replicas)];
    expect(expected).toHaveLength(3 + others * changes);
    expect([...(row?.log ?? [])].sort()).toEqual(expected.sort());
    expect(row?.log).not.toContain("victim:uncommitted");
    expect(row?.transitions).toBe(expected.length);
    expect(row?.roundCount).toBe(expected.length);
  });
});
