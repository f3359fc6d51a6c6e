/**
 * `negotiation-state`: durable state for email negotiations of influencer rates, on
 * SQLite (sql.js) in every JavaScript runtime. This entry is browser-safe; the file target
 * lives in `negotiation-state/file`.
 *
 * @packageDocumentation
 */

// Explicit lists: a name is public only when it is written here, so nothing the package
// uses internally leaks by accident (test/public-surface.test.ts pins the lists).

export { RowTooLargeError, TransactionConflictError } from "./adapter/errors.js";
export {
  MAX_JOURNAL_PAYLOAD_BYTES,
  openSqlJsAdapter,
  SqlJsAdapter,
  type SqlJsAdapterOptions,
} from "./adapter/sql-js-adapter.js";
export type {
  SqlJsConfig,
  SqlJsDatabase,
  SqlJsEngine,
  SqlJsStatement,
} from "./adapter/sql-js-engine.js";
export type {
  SqlExecutor,
  SqlRow,
  SqlRunResult,
  SqlValue,
  StorageAdapter,
} from "./adapter/storage-adapter.js";
export {
  type Campaign,
  CampaignSchema,
  deserializeCampaign,
  parseCampaign,
  serializeCampaign,
  type UsageRightDuration,
  type UsageRightTerms,
} from "./domain/campaign.js";
export {
  CampaignCPMTracker,
  type CpmAgreement,
  type CpmAgreementDict,
  type CpmTrackerDict,
  type Flexibility,
} from "./domain/campaign-cpm-tracker.js";
export {
  type CampaignIssue,
  CampaignValidationError,
  InvalidHistoryError,
  InvalidTransitionError,
} from "./domain/errors.js";
export { type HistoryProblem, historyProblems } from "./domain/history-problems.js";
export { formatMoney, type MoneyInput, toMoney } from "./domain/money.js";
export {
  type NegotiationSnapshot,
  NegotiationStateMachine,
  type TransitionRecord,
} from "./domain/negotiation-state-machine.js";
export { TERMINAL_STATES, TRANSITIONS, type TransitionTable } from "./domain/transitions.js";
export {
  isNegotiationEvent,
  isNegotiationState,
  NegotiationEvent,
  NegotiationState,
} from "./domain/vocabulary.js";
export {
  isNegotiationError,
  NegotiationError,
  type NegotiationErrorCode,
} from "./errors/negotiation-error.js";
export { ValidationError } from "./errors/validation-error.js";
export {
  CorruptDatabaseError,
  DatabaseLockedError,
  ForeignWriteError,
  PendingSqliteJournalError,
  StorageError,
  WebLocksUnavailableError,
} from "./persistence/errors.js";
export { memoryPersistence } from "./persistence/memory-persistence.js";
export type {
  JournalEntry,
  JournalStatement,
  Persistence,
  SharedPlace,
  StoredDatabase,
  StoredValue,
} from "./persistence/persistence.js";
export {
  deserializeContext,
  MAX_CONTEXT_DEPTH,
  serializeContext,
} from "./store/context-serializer.js";
export { deserializeCpmTracker, serializeCpmTracker } from "./store/cpm-tracker-serializer.js";
export {
  ContextSerializationError,
  RestoreError,
  type RowFailure,
  WriterChangedError,
} from "./store/errors.js";
export type {
  NegotiationChange,
  NegotiationChangeListener,
} from "./store/negotiation-change.js";
export type { NegotiationInput, RestoredNegotiation } from "./store/negotiation-row.js";
export {
  type NegotiationStateOperations,
  NegotiationStateStore,
  type NegotiationStateStoreOptions,
  type NegotiationUpdate,
} from "./store/negotiation-state-store.js";
export {
  initNegotiationStateTable,
  NEGOTIATION_STATE_DDL,
  type NegotiationStateRow,
} from "./store/negotiation-state-table.js";
export {
  type OpenNegotiationStoreOptions,
  openNegotiationStore,
} from "./store/open-negotiation-store.js";
