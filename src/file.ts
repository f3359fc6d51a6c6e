/**
 * `negotiation-state/file`: the file persistence target, for Node, Deno and Bun. Kept out
 * of the main entry because it imports `node:fs`.
 *
 * @packageDocumentation
 */
export { type FilePersistenceOptions, filePersistence } from "./persistence/file-persistence.js";
