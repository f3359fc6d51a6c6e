import { describe, expect, it } from "vitest";
import { toMoney } from "../../src/domain/money.js";
import { NegotiationError } from "../../src/errors/negotiation-error.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { DatabaseLockedError, StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { serializeContext } from "../../src/store/context-serializer.js";
import { ContextSerializationError } from "../../src/store/errors.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { thrownBy } from "../support/thrown-by.js";

describe("errors carry what they report in fields", () => {
  it("a ValidationError has its path and its problem apart; the message joins them", () => {
    const error = thrownBy(() => toMoney(1.5, "campaign.cpm_range.min_cpm"));
    expect(error).toBeInstanceOf(ValidationError);
    const { path, problem, message } = error as ValidationError;
    expect(path).toBe("campaign.cpm_range.min_cpm");
    expect(problem).not.toContain(path);
    expect(problem.length).toBeGreaterThan(0);
    expect(message).toBe(`${path}: ${problem}`);
  });

  it("a ContextSerializationError has its key path and its problem apart", () => {
    const error = thrownBy(() => serializeContext({ offers: [1, Number.NaN] }));
    expect(error).toBeInstanceOf(ContextSerializationError);
    const { keyPath, problem, message } = error as ContextSerializationError;
    expect(keyPath).toBe("context.offers[1]");
    expect(problem).not.toContain(keyPath);
    expect(message).toBe(`Cannot serialize ${keyPath}: ${problem}`);
  });

  it("a storage error has its location and its detail apart", async () => {
    const persistence = memoryPersistence();
    const store = await openNegotiationStore({ persistence });
    const error = await openNegotiationStore({ persistence }).catch((caught: unknown) => caught);
    await store.close();
    expect(error).toBeInstanceOf(DatabaseLockedError);
    const { location, detail, message } = error as DatabaseLockedError;
    expect(location).toBeDefined();
    expect(message).toBe(`Database ${location} is locked: ${detail}`);
  });

  it("every class shares one base, whichever layer raises it", () => {
    for (const error of [
      new ValidationError("x", "y"),
      new ContextSerializationError("context.a", "b"),
      new StorageError("failed"),
    ]) {
      expect(error).toBeInstanceOf(NegotiationError);
    }
  });
});
