import { describe, expect, it } from "vitest";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";

describe("memoryPersistence", () => {
  it("hands each open its own copy of the last checkpoint, which the adapter may write to", async () => {
    const persistence = memoryPersistence();
    expect((await persistence.open()).snapshot).toBeNull();
    const image = Uint8Array.of(1, 2, 3);
    await persistence.checkpoint(image);
    await persistence.close();

    const first = (await persistence.open()).snapshot as Uint8Array;
    first.fill(9);
    await persistence.close();
    const second = (await persistence.open()).snapshot as Uint8Array;
    expect([...second]).toEqual([1, 2, 3]);
    await persistence.close();
  });
});
