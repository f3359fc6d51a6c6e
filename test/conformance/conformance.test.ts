import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// IndexedDB for the IndexedDB target, in a runtime that has none (vitest runs each test
// file in its own context, so no other file sees it).
import "fake-indexeddb/auto";
import { afterAll, describe, expect, test } from "vitest";
import * as sourceFile from "../../src/file.js";
import type * as Api from "../../src/index.js";
import * as sourceMain from "../../src/index.js";
import * as sourceIndexedDb from "../../src/indexeddb.js";
import * as sourcePostgres from "../../src/postgres.js";
import { fileTarget } from "./file-target.js";
import { indexedDbTarget } from "./indexed-db-target.js";
import { postgresTarget } from "./postgres-target.js";
import { defineConformanceSuite } from "./suite.js";
import { memoryTarget } from "./targets.js";

// Under Node, and under Bun with `bun --bun vitest` (the runtime is named in each title).
const runtime = "Bun" in globalThis ? "bun" : "node";
const root = await mkdtemp(join(tmpdir(), "ns-conformance-"));
afterAll(() => rm(root, { recursive: true, force: true }));

// The built package, through its exports map; a variable keeps it out of the typecheck,
// which runs before the build.
const built = "negotiation-state";
const subjects: [
  string,
  typeof Api,
  typeof sourceFile,
  typeof sourceIndexedDb,
  typeof sourcePostgres,
][] = [
  ["src", sourceMain, sourceFile, sourceIndexedDb, sourcePostgres],
  [
    "dist",
    await import(built),
    await import(`${built}/file`),
    await import(`${built}/indexeddb`),
    await import(`${built}/postgres`),
  ],
];

test("runs on the runtime it is named for", () => {
  // `bun vitest` without `--bun` silently runs Node: the Bun script asks for Bun.
  expect(runtime).toBe(process.env.CONFORMANCE_RUNTIME ?? "node");
});

// PostgreSQL is the server the global setup started, or NEGOTIATION_STATE_PG_URL.
for (const [subject, api, file, indexedDb, postgres] of subjects) {
  describe(`${runtime} · ${subject}`, () => {
    defineConformanceSuite({ test: (name, body) => test(name, body) }, subject, api, [
      memoryTarget(api),
      fileTarget(api.openNegotiationStore, file.filePersistence, root),
      indexedDbTarget(api.openNegotiationStore, indexedDb.indexedDbPersistence, "fake-indexeddb"),
      postgresTarget(postgres.openPostgresStore),
    ]);
  });
}
