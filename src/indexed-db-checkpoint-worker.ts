/**
 * The dedicated worker that writes an IndexedDB target's checkpoint snapshot away from the
 * writer's thread: it takes one {@link IndexedDbCheckpointRequest}, opens the same
 * IndexedDB database, rebuilds the snapshot from the stored one and the journal's records
 * up to the request's sequence (see `rebuildSnapshot`), writes it in one strict
 * transaction, answers (`{ written: true }`, or `{ failure }` with why not) and is ended.
 * It works under its writer's Web Lock: the writer starts it, and ends with it.
 *
 * @packageDocumentation
 */
import { rebuildSnapshot } from "./adapter/rebuilt-snapshot.js";
import { loadSqlJs } from "./adapter/sql-js-engine.js";
import { describeDomException } from "./persistence/dom-exception.js";
import { openStores, putSnapshot, readThrough } from "./persistence/indexed-db-layout.js";
import type {
  IndexedDbCheckpointAnswer,
  IndexedDbCheckpointRequest,
} from "./persistence/worker-snapshot-writer.js";

/** The part of a dedicated worker's global scope this worker uses. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<IndexedDbCheckpointRequest>) => void) | null;
  postMessage(answer: IndexedDbCheckpointAnswer): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async ({ data: request }) => {
  scope.onmessage = null;
  let database: IDBDatabase | undefined;
  try {
    database = await openStores(indexedDB, request.name, {
      existing: true,
      location: request.location,
    });
    const stored = await readThrough(database, IDBKeyRange, request.sequence, request.location);
    const image = rebuildSnapshot(await loadSqlJs(undefined), { ...stored, ...request });
    await putSnapshot(database, image);
    scope.postMessage({ written: true });
  } catch (error) {
    scope.postMessage({ failure: describeDomException(error) });
  } finally {
    database?.close();
  }
};
