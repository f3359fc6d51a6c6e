/**
 * The store on PostgreSQL (DESIGN §7): replicas that open it at the same moment make one
 * table; SQL text and odd Unicode are stored literally; a row is the same text, byte for
 * byte, as the same negotiation's row in a file; round counts beyond 32 bits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import type {
  NegotiationInput,
  NegotiationStateStore,
} from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { openPostgresStore } from "../../src/store/open-postgres-store.js";
import { negotiation, steppingClock } from "../support/negotiations.js";
import { freshSchema, postgresUrl } from "../support/postgres-database.js";
import { queryPostgres } from "../support/postgres-query.js";
import { startReplicasTogether } from "../support/postgres-replica-process.js";

const schemas: { drop(): Promise<void> }[] = [];
afterAll(() => Promise.all(schemas.map((schema) => schema.drop())));

function newSchema(label: string): string {
  const fresh = freshSchema(label);
  schemas.push(fresh);
  return fresh.schema;
}

/** Thread ids that SQL text, a placeholder or Unicode handled on the way would change. */
const ODD_IDS = [
  "'); DROP TABLE negotiation_state;--",
  '"; DROP SCHEMA public CASCADE; --',
  "?",
  "??",
  "$1",
  "a ? b $2::text",
  "/* ? */ -- ?",
  "\\'\\\\",
  "%_*",
  "😀👩‍👩‍👧‍👦",
  // Combining acute accent, and the precomposed é: two ids, never normalized into one.
  "e\u0301",
  "\u00e9",
  "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
  "\u202eevil\u202c.eml",
  "\uffff",
  "\ufffe\u{10ffff}",
  "tab\there\nline\r\n",
  " spaces around ",
  // 2,000 bytes of UTF-8 in all: the longest thread id PostgreSQL takes.
  `${"<reply-".repeat(285)}é@xy`,
];

/** How many stores each replica process opens at once. */
const STORES = 3;

function oddNegotiation(threadId: string): NegotiationInput {
  return negotiation(threadId, ["send_offer", "receive_reply"], {
    context: {
      thread: threadId,
      "'); DROP TABLE negotiation_state;--": ["?", "$1", "$$ $2 $$"],
      "😀e\u0301": { "\u202e": "\uffff", "\u05e9": "\u0645" },
      next_cpm: "25.50",
    },
  });
}

describe("openPostgresStore", () => {
  it("makes one table when 8 replica processes open a new schema at the same moment", async () => {
    const schema = newSchema("replicas_open");
    const names = Array.from({ length: 8 }, (_, index) => `replica-${index}`);
    // Each process opens STORES stores at once, each on its own pool: 24 openings race.
    const replicas = await startReplicasTogether(
      names.map((name) => [postgresUrl(), schema, "open", name, String(STORES)]),
    );
    try {
      await Promise.all(replicas.map((replica, index) => replica.line(`opened ${names[index]}`)));
      expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual(
        names.map(() => 0),
      );
    } finally {
      for (const replica of replicas) replica.child.kill("SIGKILL");
    }
    expect(
      await queryPostgres(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
        [schema],
      ),
    ).toEqual([{ table_name: "negotiation_state" }]);
    expect(
      await queryPostgres("SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [
        schema,
      ]),
    ).toEqual([{ indexname: "idx_neg_state_state" }, { indexname: "negotiation_state_pkey" }]);
    const store = await openPostgresStore({ connectionString: postgresUrl() }, { schema });
    expect((await store.loadAll()).map((row) => row.thread_id).sort()).toEqual(
      names.flatMap((name) => Array.from({ length: STORES }, (_, index) => `${name}-${index}`)),
    );
    await store.close();
  });
});

describe("the store on PostgreSQL", () => {
  it("stores SQL text and odd Unicode in thread ids and contexts literally", async () => {
    const store = await openPostgresStore(
      { connectionString: postgresUrl() },
      { schema: newSchema("odd_text") },
    );
    try {
      expect(new TextEncoder().encode(ODD_IDS.at(-1)).length).toBe(2000);
      for (const threadId of ODD_IDS) await store.save(oddNegotiation(threadId));
      for (const threadId of ODD_IDS) {
        const given = oddNegotiation(threadId);
        const loaded = await store.load(threadId);
        expect(loaded?.threadId).toBe(threadId);
        expect(loaded?.context).toEqual(given.context);
        expect((await store.loadRow(threadId))?.thread_id).toBe(threadId);
      }
      // Every id its own row, none changed: the table and its neighbours are all there.
      const stored = (await store.loadAll()).map((row) => row.thread_id);
      expect(new Set(stored)).toEqual(new Set(ODD_IDS));
      expect(stored).toHaveLength(ODD_IDS.length);
    } finally {
      await store.close();
    }
  });

  it("writes the same row text, byte for byte, as a file store with the same clock", async () => {
    const folder = await mkdtemp(join(tmpdir(), "postgres-store-"));
    const start = "2026-03-01T10:00:00Z";
    const stores: NegotiationStateStore[] = [
      await openPostgresStore(
        { connectionString: postgresUrl() },
        { schema: newSchema("same_rows"), clock: steppingClock(start, 61) },
      ),
      await openNegotiationStore({
        persistence: filePersistence(join(folder, "negotiations.db")),
        clock: steppingClock(start, 61),
      }),
    ];
    try {
      for (const store of stores) {
        for (const threadId of ODD_IDS) await store.save(oddNegotiation(threadId));
        // Saved again later: created_at stays, updated_at moves.
        await store.save(
          negotiation(ODD_IDS[0] as string, ["send_offer", "receive_reply", "accept"], {
            roundCount: 2 ** 31 + 7,
          }),
        );
        await store.update(ODD_IDS[1] as string, (current) => {
          current?.stateMachine.trigger("send_counter");
          return current && { ...current, roundCount: current.roundCount + 1 };
        });
      }
      const [onServer, inFile] = stores as [NegotiationStateStore, NegotiationStateStore];
      const serverRows = await onServer.loadAll();
      expect(serverRows).toEqual(await inFile.loadAll());
      expect(serverRows).toHaveLength(ODD_IDS.length);
      for (const threadId of ODD_IDS) {
        expect(await onServer.loadRow(threadId)).toEqual(await inFile.loadRow(threadId));
      }
      const first = await onServer.loadRow(ODD_IDS[0] as string);
      expect(first?.created_at).toBe("2026-03-01T10:00:00Z");
      expect(first?.updated_at).not.toBe(first?.created_at);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("keeps a round count beyond 2^31, up to 2^53 - 1, as the number it is", async () => {
    const store = await openPostgresStore(
      { connectionString: postgresUrl() },
      { schema: newSchema("rounds") },
    );
    try {
      for (const roundCount of [2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
        const threadId = `rounds-${roundCount}`;
        await store.save(negotiation(threadId, ["send_offer"], { roundCount }));
        expect((await store.loadRow(threadId))?.round_count).toBe(roundCount);
        expect((await store.load(threadId))?.roundCount).toBe(roundCount);
      }
      const bumped = await store.update(`rounds-${2 ** 31}`, (current) =>
        current === null ? null : { ...current, roundCount: current.roundCount + 1 },
      );
      expect(bumped?.roundCount).toBe(2 ** 31 + 1);
    } finally {
      await store.close();
    }
  });
});
