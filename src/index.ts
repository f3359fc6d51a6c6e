/**
 * `negotiation-state`: durable state for email negotiations of influencer rates, on
 * SQLite (sql.js) in every JavaScript runtime. This entry is browser-safe; the file target
 * lives in `negotiation-state/file`.
 *
 * @packageDocumentation
 */
export * from "./adapter/sql-js-adapter.js";
export type {
  SqlJsConfig,
  SqlJsDatabase,
  SqlJsStatement,
  SqlJsStatic,
} from "./adapter/sql-js-engine.js";
export * from "./adapter/storage-adapter.js";
export * from "./domain/campaign.js";
export * from "./domain/campaign-cpm-tracker.js";
export {
  type CampaignIssue,
  CampaignValidationError,
  ContextSerializationError,
  CorruptDatabaseError,
  DatabaseLockedError,
  ForeignWriteError,
  InvalidTransitionError,
  isNegotiationError,
  NegotiationError,
  type NegotiationErrorCode,
  PendingSqliteJournalError,
  RestoreError,
  type RowFailure,
  RowTooLargeError,
  StorageError,
  ValidationError,
  WebLocksUnavailableError,
} from "./domain/errors.js";
export { formatMoney, isBigLike, type MoneyInput, toMoney } from "./domain/money.js";
export * from "./domain/negotiation-state-machine.js";
export * from "./domain/transitions.js";
export * from "./domain/vocabulary.js";
export * from "./persistence/memory-persistence.js";
export type {
  JournalEntry,
  JournalStatement,
  Persistence,
  StoredDatabase,
  StoredValue,
} from "./persistence/persistence.js";
export * from "./store/context-serializer.js";
export * from "./store/cpm-tracker-serializer.js";
export * from "./store/negotiation-state-store.js";
export {
  initNegotiationStateTable,
  NEGOTIATION_STATE_DDL,
  type NegotiationStateRow,
} from "./store/negotiation-state-table.js";
export * from "./store/open-negotiation-store.js";
