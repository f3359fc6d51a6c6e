import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
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

describe("memoryPersistence with a whole database", () => {
  it("hands it over with room to grow after it, which the next checkpoint leaves out", async () => {
    const persistence = memoryPersistence();
    const adapter = await openSqlJsAdapter({ persistence });
    await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    await adapter.run("INSERT INTO t VALUES (1, ?)", ["x".repeat(10_000)]);
    await adapter.close();
    let checkpointed = new Uint8Array();
    const watched = {
      ...persistence,
      checkpoint: async (image: Uint8Array) => {
        checkpointed = image.slice();
        await persistence.checkpoint(image);
      },
    };

    const { snapshot } = await persistence.open();
    await persistence.close();
    const image = snapshot as Uint8Array;
    const pages = new DataView(image.buffer, image.byteOffset).getUint32(28);
    const size = pages * new DataView(image.buffer, image.byteOffset).getUint16(16);
    expect(image.length).toBeGreaterThanOrEqual(size + 1024 * 1024);
    expect(image.subarray(size).every((byte) => byte === 0)).toBe(true);

    const reopened = await openSqlJsAdapter({ persistence: watched });
    for (let k = 2; k < 200; k++) {
      await reopened.run("INSERT INTO t VALUES (?, ?)", [k, "y".repeat(4_000)]);
    }
    expect(await reopened.all("SELECT count(*) AS n FROM t")).toEqual([{ n: 199 }]);
    await reopened.close();
    const view = new DataView(checkpointed.buffer);
    expect(checkpointed.length).toBe(view.getUint32(28) * view.getUint16(16));
  });
});
