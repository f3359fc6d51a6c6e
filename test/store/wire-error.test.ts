import { describe, expect, it } from "vitest";
import { RowTooLargeError } from "../../src/adapter/errors.js";
import { isNegotiationError, StorageError, WriterChangedError } from "../../src/index.js";
import { fromWireError, toWireError } from "../../src/store/wire-error.js";

/** What another context gets: the error sent, through the structured clone of postMessage. */
const across = (error: unknown) =>
  fromWireError(structuredClone(toWireError(error)), "indexeddb:n");

describe("errors between contexts", () => {
  it("come back as the package's class, with their code and fields", () => {
    const sent = new RowTooLargeError(
      "negotiation_state.context_json",
      "saving it",
      9,
      8,
      "indexeddb:n",
    );
    const received = across(sent);
    expect(received).toBeInstanceOf(RowTooLargeError);
    expect(isNegotiationError(received, "ROW_TOO_LARGE")).toBe(true);
    expect(received).toMatchObject({
      name: "RowTooLargeError",
      message: sent.message,
      bytes: 9,
      limit: 8,
      location: "indexeddb:n",
    });
    expect(received.stack).toContain("at the writer of indexeddb:n");
  });

  it("keep a cause as its message, and drop what is not plain data", () => {
    const sent = new StorageError("Cannot write indexeddb:n: quota", {
      cause: new DOMException("quota reached", "QuotaExceededError"),
      location: "indexeddb:n",
    });
    Object.assign(sent, { handle: () => undefined });
    const received = across(sent) as StorageError & { cause?: unknown; handle?: unknown };
    expect(received).toBeInstanceOf(StorageError);
    expect(received.location).toBe("indexeddb:n");
    expect(received.cause).toBe("quota reached");
    expect(received.handle).toBeUndefined();
  });

  it("give an error of a class the package does not know as an Error of its name", () => {
    class SqlEngineError extends Error {
      override name = "SqlEngineError";
    }
    const received = across(new SqlEngineError("disk I/O error"));
    expect(received).toBeInstanceOf(Error);
    expect(received.name).toBe("SqlEngineError");
    expect(received.message).toBe("disk I/O error");
    expect(across("a thrown string")).toMatchObject({ name: "Error", message: "a thrown string" });
  });

  it("name the call and the database when the writer changed under it", () => {
    const error = new WriterChangedError("indexeddb:n", "save");
    expect(error.code).toBe("WRITER_CHANGED");
    expect(error.message).toContain("The save on indexeddb:n may or may not have been applied");
    expect(across(error)).toBeInstanceOf(WriterChangedError);
  });
});
