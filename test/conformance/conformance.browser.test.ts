import { describe, test } from "vitest";
import type * as Api from "../../src/index.js";
import * as sourceMain from "../../src/index.js";
import * as sourceIndexedDb from "../../src/indexeddb.js";
import { indexedDbTarget } from "./indexed-db-target.js";
import { defineConformanceSuite } from "./suite.js";
import { memoryTarget } from "./targets.js";

// The built package as a page would load it; a variable keeps it out of the typecheck,
// which runs before the build.
const built = "/dist";
const subjects: [string, typeof Api, typeof sourceIndexedDb][] = [
  ["src", sourceMain, sourceIndexedDb],
  [
    "dist",
    await import(/* @vite-ignore */ `${built}/index.js`),
    await import(/* @vite-ignore */ `${built}/indexeddb.js`),
  ],
];

for (const [subject, api, indexedDb] of subjects) {
  describe(`chromium · ${subject}`, () => {
    defineConformanceSuite({ test: (name, body) => test(name, body) }, subject, api, [
      memoryTarget(api),
      indexedDbTarget(api.openNegotiationStore, indexedDb.indexedDbPersistence, "indexeddb", {
        forwardsToWriter: true,
      }),
    ]);
  });
}
