import { RowTooLargeError, TransactionConflictError } from "../adapter/errors.js";
import {
  CampaignValidationError,
  InvalidHistoryError,
  InvalidTransitionError,
} from "../domain/errors.js";
import { errorMessage, NegotiationError } from "../errors/negotiation-error.js";
import { ValidationError } from "../errors/validation-error.js";
import {
  CorruptDatabaseError,
  DatabaseLockedError,
  ForeignWriteError,
  PendingSqliteJournalError,
  StorageError,
  WebLocksUnavailableError,
} from "../persistence/errors.js";
import { ContextSerializationError, RestoreError, WriterChangedError } from "./errors.js";

/**
 * An error as it crosses from one context to another (`postMessage` keeps neither an
 * error's class nor its own fields): its class's name, its message and its fields.
 *
 * @internal
 */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** Its own fields that are plain data (`code`, `location`, `path`, ...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The package's errors by name, and the platform's that a store may pass on. */
const CLASSES: Readonly<Record<string, { readonly prototype: Error }>> = {
  NegotiationError,
  ValidationError,
  InvalidTransitionError,
  CampaignValidationError,
  InvalidHistoryError,
  ContextSerializationError,
  RestoreError,
  WriterChangedError,
  StorageError,
  DatabaseLockedError,
  CorruptDatabaseError,
  PendingSqliteJournalError,
  ForeignWriteError,
  WebLocksUnavailableError,
  RowTooLargeError,
  TransactionConflictError,
  Error,
  TypeError,
  RangeError,
};

/**
 * An error as it is sent to another context.
 *
 * @internal
 */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) {
    return { name: "Error", message: errorMessage(error), fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== "message" && key !== "stack" && isPlainData(value)) fields[key] = value;
  }
  if (error.cause !== undefined) fields.cause = errorMessage(error.cause);
  return { name: error.name, message: error.message, fields };
}

/**
 * The error another context sent, as an instance of its class (a class this package does not
 * know becomes an `Error` of that name), with its fields; its stack says where it came from.
 *
 * @internal
 */
export function fromWireError(wire: WireError, from: string): Error {
  const prototype = (CLASSES[wire.name] ?? Error).prototype;
  const error = Object.create(prototype) as Error;
  Object.assign(error, wire.fields, { message: wire.message });
  if (error.name !== wire.name) Object.defineProperty(error, "name", { value: wire.name });
  Object.defineProperty(error, "stack", {
    value: `${wire.name}: ${wire.message}\n    at the writer of ${from}`,
    configurable: true,
    writable: true,
  });
  return error;
}

function isPlainData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean", "bigint"].includes(typeof value)) {
    return true;
  }
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every(isPlainData);
  }
  return false;
}
