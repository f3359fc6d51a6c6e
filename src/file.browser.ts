/**
 * `negotiation-state/file` as bundlers resolve it for a browser (the `browser` export
 * condition): there is no file system there, so `filePersistence` refuses at call time,
 * naming the target to use instead. Nothing runs at import time.
 *
 * @packageDocumentation
 */
import { StorageError } from "./persistence/errors.js";
import type { Persistence } from "./persistence/persistence.js";

export type { FilePersistenceOptions } from "./persistence/file-persistence.js";

/**
 * The browser stand-in of the file persistence target: a browser has no file system.
 *
 * @param path - The database file that was asked for, named in the error.
 * @returns Never.
 * @throws {@link StorageError} (code `STORAGE_FAILED`, `location` the path) naming
 *   `negotiation-state/indexeddb`, the target to use in a browser.
 */
export function filePersistence(path: string, _options?: unknown): Persistence {
  throw new StorageError(
    `Cannot keep ${path} in a file: negotiation-state/file needs the file system of Node, Deno or Bun, and this is a browser build; use indexedDbPersistence from negotiation-state/indexeddb instead`,
    { location: path },
  );
}
