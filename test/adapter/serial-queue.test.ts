import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../src/adapter/serial-queue.js";

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SerialQueue", () => {
  it("runs tasks one at a time, in the order they were handed in, a slow one included", async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`${name} starts`);
      await tick(ms);
      events.push(`${name} ends`);
      return name;
    };
    const results = await Promise.all([
      queue.run(task("slow", 20)),
      queue.run(task("quick", 0)),
      queue.run(() => "sync"),
    ]);
    expect(results).toEqual(["slow", "quick", "sync"]);
    expect(events).toEqual(["slow starts", "slow ends", "quick starts", "quick ends"]);
  });

  it("gives a task's rejection to its caller alone, and runs the next task", async () => {
    const queue = new SerialQueue();
    const failing = queue.run(async () => {
      throw new Error("this one fails");
    });
    const next = queue.run(async () => "next ran");
    await expect(failing).rejects.toThrow("this one fails");
    await expect(next).resolves.toBe("next ran");
  });

  it("settles once the tasks handed in so far have, without waiting for later ones or failing with them", async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    queue
      .run(async () => {
        await tick(10);
        events.push("first");
        throw new Error("first fails");
      })
      .catch(() => undefined);
    const settled = queue.settled().then(() => events.push("settled"));
    queue.run(async () => {
      await tick(10);
      events.push("later");
    });
    await settled;
    expect(events).toEqual(["first", "settled"]);
  });
});
