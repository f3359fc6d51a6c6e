/**
 * `negotiation-state/indexeddb`: the IndexedDB persistence target, for pages, dedicated
 * workers and extension service workers.
 *
 * @packageDocumentation
 */
export {
  type IndexedDbPersistenceOptions,
  indexedDbPersistence,
} from "./persistence/indexed-db-persistence.js";
