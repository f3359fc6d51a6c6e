/// <reference lib="deno.ns" />
/// <reference lib="dom" />
/*
 * The conformance suite under Deno: `node test/support/with-postgres.mjs deno test
 * --allow-read --allow-write --allow-net --allow-env test/conformance/conformance.deno.ts`,
 * against the sources and the built package. node-postgres needs the network and the
 * environment (its `PG*` defaults); never `--allow-sys`, which the last test must not have.
 */

import type * as FileApi from "../../src/file.js";
import type * as IndexedDbApi from "../../src/indexeddb.js";
import type * as PostgresApi from "../../src/postgres.js";
import "fake-indexeddb/auto";
import type * as Api from "../../src/index.js";
import { fileTarget } from "./file-target.js";
import { indexedDbTarget } from "./indexed-db-target.js";
import { postgresTarget } from "./postgres-target.js";
import { defineConformanceSuite } from "./suite.js";
import { memoryTarget } from "./targets.js";

const root = await Deno.makeTempDir({ prefix: "ns-conformance-" });
const subjects: [string, typeof Api, typeof FileApi, typeof IndexedDbApi, typeof PostgresApi][] = [
  [
    "src",
    await import("../../src/index.js"),
    await import("../../src/file.js"),
    await import("../../src/indexeddb.js"),
    await import("../../src/postgres.js"),
  ],
  // The build's own declarations name the same classes as the sources' do, but TypeScript
  // tells them apart by their private fields.
  [
    "dist",
    (await import("negotiation-state")) as unknown as typeof Api,
    (await import("negotiation-state/file")) as unknown as typeof FileApi,
    (await import("negotiation-state/indexeddb")) as unknown as typeof IndexedDbApi,
    (await import("negotiation-state/postgres")) as unknown as typeof PostgresApi,
  ],
];

for (const [subject, api, file, indexedDb, postgres] of subjects) {
  defineConformanceSuite(
    { test: (name, body) => Deno.test(`deno · ${name}`, body) },
    subject,
    api,
    [
      memoryTarget(api),
      fileTarget(api.openNegotiationStore, file.filePersistence, root),
      indexedDbTarget(api.openNegotiationStore, indexedDb.indexedDbPersistence, "fake-indexeddb"),
      postgresTarget(postgres.openPostgresStore),
    ],
  );
}

Deno.test("deno · without --allow-sys, a stale lock is refused with the permission to grant", async () => {
  const hostname = await Deno.permissions.query({ name: "sys", kind: "hostname" });
  if (hostname.state === "granted") throw new Error("run this file without --allow-sys");
  const api = subjects[0][1];
  const path = `${await Deno.makeTempDir({ dir: root })}/negotiations.db`;
  await Deno.writeTextFile(`${path}.lock`, JSON.stringify({ pid: 1, host: "host", token: "t" }));
  const refused = await api
    .openNegotiationStore({ persistence: subjects[0][2].filePersistence(path) })
    .catch((error: unknown) => error);
  if (!api.isNegotiationError(refused, "DATABASE_LOCKED")) throw refused;
  if (!refused.message.includes("grant --allow-sys=hostname")) throw refused;
});
