import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { FilePersistenceOptions } from "../../src/file.js";
import type { Persistence } from "../../src/index.js";
import { copyAsCrashWould } from "../support/crash-copy.js";
import { type OpenNegotiationStore, type Place, persistencePlace, type Target } from "./targets.js";

type FilePersistence = (path: string, options?: FilePersistenceOptions) => Persistence;

/**
 * The file target (Node, Deno, Bun): each place is a fresh folder under `root`. A crash
 * copy takes the database file and its journal as they are on disk, but not the lock file:
 * a lock naming this (live) process would refuse the copy, while a dead writer's lock is
 * taken over (tested on its own in test/persistence).
 */
export function fileTarget(
  openNegotiationStore: OpenNegotiationStore,
  filePersistence: FilePersistence,
  root: string,
): Target {
  const place = (folder: string): Place => {
    const path = join(folder, "negotiations.db");
    return persistencePlace(
      openNegotiationStore,
      (options) => filePersistence(path, options),
      async () => {
        const copy = await mkdtemp(join(root, "crash-"));
        copyAsCrashWould(folder, copy);
        return place(copy);
      },
    );
  };
  return {
    name: "file",
    durable: true,
    exclusiveWriter: true,
    journal: true,
    fresh: async () => place(await mkdtemp(join(root, "place-"))),
  };
}
