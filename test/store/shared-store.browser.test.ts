import { afterEach, describe, expect, it } from "vitest";
import {
  type NegotiationChange,
  type NegotiationStateStore,
  openNegotiationStore,
} from "../../src/index.js";
import { indexedDbPersistence } from "../../src/indexeddb.js";
import { negotiation } from "../support/negotiations.js";
import type { SharedWorkerReply, SharedWorkerRequest } from "../support/shared-store-worker.js";
import { until } from "../support/until.js";

// DESIGN §3 "Several browser contexts, one store", in Chromium: dedicated workers are
// contexts of their own (their own channel, locks and IndexedDB connection), and ending one
// with terminate() is a context going away mid-call.

let names = 0;
const freshName = () => `shared-${Date.now()}-${++names}`;
const started: { terminate(): void }[] = [];
const opened: NegotiationStateStore[] = [];

afterEach(async () => {
  for (const worker of started.splice(0)) worker.terminate();
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
});

function startWorker() {
  const worker = new Worker(new URL("../support/shared-store-worker.ts", import.meta.url), {
    type: "module",
  });
  started.push(worker);
  let queue = Promise.resolve<unknown>(undefined);
  const ask = (request: SharedWorkerRequest): Promise<unknown> => {
    const asked = queue.then(
      () =>
        new Promise((resolve, reject) => {
          worker.onmessage = ({ data }: MessageEvent<SharedWorkerReply>) =>
            data.ok ? resolve(data.value) : reject(new Error(data.error));
          worker.postMessage(request);
        }),
    );
    queue = asked.catch(() => undefined);
    return asked;
  };
  return { ask, terminate: () => worker.terminate() };
}

async function openHere(name: string) {
  const store = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
  opened.push(store);
  const heard: NegotiationChange[] = [];
  store.subscribe((change) => heard.push(change));
  return { store, heard };
}

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);

describe("one store shared by several contexts", () => {
  it("a page and two workers save at once: every save lands, every context hears each change once, in one order", async () => {
    const name = freshName();
    const page = await openHere(name);
    const [first, second] = [startWorker(), startWorker()];
    await first.ask({ type: "open", name });
    await second.ask({ type: "open", name });

    const outcomes = await Promise.all([
      Promise.all(ids("p", 30).map((id) => page.store.save(negotiation(id)).then(() => "ok"))),
      first.ask({ type: "save", threadIds: ids("a", 30) }),
      second.ask({ type: "save", threadIds: ids("b", 30) }),
    ]);
    expect(outcomes.flat()).toEqual(Array(90).fill("ok"));

    const every = [...ids("a", 30), ...ids("b", 30), ...ids("p", 30)];
    expect((await page.store.loadActive()).map((row) => row.thread_id).sort()).toEqual(every);
    expect(await first.ask({ type: "threads" })).toEqual(every);
    expect(await second.ask({ type: "threads" })).toEqual(every);

    await until(async () => ((await second.ask({ type: "heard" })) as unknown[]).length >= 90);
    await until(async () => ((await first.ask({ type: "heard" })) as unknown[]).length >= 90);
    const heardHere = page.heard.map(({ threadId }) => threadId);
    expect([...heardHere].sort()).toEqual(every);
    for (const worker of [first, second]) {
      const heard = (await worker.ask({ type: "heard" })) as NegotiationChange[];
      expect(heard.map(({ threadId }) => threadId)).toEqual(heardHere);
    }
  });

  it("a writer alone tells no one of its changes, until another context asks who writes", async () => {
    const name = freshName();
    const posted: unknown[] = [];
    const post = BroadcastChannel.prototype.postMessage;
    BroadcastChannel.prototype.postMessage = function (this: BroadcastChannel, message: unknown) {
      posted.push(message);
      post.call(this, message);
    };
    try {
      const writer = await openHere(name);
      await writer.store.save(negotiation("alone"));
      expect(posted.filter((message) => (message as { kind: string }).kind === "changes")).toEqual(
        [],
      );
      const other = await openHere(name);
      await until(() => posted.some((message) => (message as { kind: string }).kind === "writer"));
      await writer.store.save(negotiation("heard"));
      await until(() => other.heard.length === 1);
      expect(other.heard).toEqual([{ threadId: "heard", state: "awaiting_reply", kind: "save" }]);
    } finally {
      BroadcastChannel.prototype.postMessage = post;
    }
  });

  it("a follower's transaction and update run on the writer; a rollback leaves nothing and is not heard", async () => {
    const name = freshName();
    const writer = await openHere(name);
    const follower = await openHere(name);

    const seen = await follower.store.transaction(async (tx) => {
      await tx.save(negotiation("x", ["send_offer"]));
      await tx.save(negotiation("y"));
      return (await tx.loadRow("x"))?.state;
    });
    expect(seen).toBe("awaiting_reply");
    const failure = new Error("changed my mind");
    await expect(
      follower.store.transaction(async (tx) => {
        await tx.save(negotiation("rolled-back"));
        throw failure;
      }),
    ).rejects.toBe(failure);
    const updated = await follower.store.update("x", (current) => {
      current?.stateMachine.trigger("receive_reply");
      return current;
    });
    expect(updated?.stateMachine.state).toBe("counter_received");
    expect((await writer.store.load("x"))?.stateMachine.state).toBe("counter_received");
    expect(await writer.store.load("rolled-back")).toBeNull();

    const expected = [
      { threadId: "x", state: "awaiting_reply", kind: "save" },
      { threadId: "y", state: "awaiting_reply", kind: "save" },
      { threadId: "x", state: "counter_received", kind: "save" },
    ];
    expect(writer.heard).toEqual(expected);
    await until(() => follower.heard.length >= 3);
    expect(follower.heard).toEqual(expected);
  });

  it("the writer's context ends mid-burst: a follower takes over from what is durable, calls in flight are in doubt, none is lost", async () => {
    const name = freshName();
    const writer = startWorker();
    await writer.ask({ type: "open", name });
    const follower = await openHere(name);
    const other = startWorker();
    await other.ask({ type: "open", name });

    // Saves one after the other in three lanes; the writer ends once 20 are acknowledged.
    const burst = ids("burst", 90);
    const settled: (string | undefined)[] = [];
    let acknowledged = 0;
    let ended: () => void = () => undefined;
    const writerEnded = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const lane = async (lane: number) => {
      for (let i = lane; i < burst.length; i += 3) {
        settled[i] = await follower.store.save(negotiation(burst[i] as string)).then(
          () => "ok",
          (error: { code?: string }) => error.code,
        );
        if (settled[i] === "ok" && ++acknowledged === 20) {
          writer.terminate();
          ended();
        }
      }
    };
    await Promise.all([lane(0), lane(1), lane(2)]);
    await writerEnded;
    expect(new Set(settled)).toEqual(
      new Set(settled.filter((outcome) => outcome === "ok" || outcome === "WRITER_CHANGED")),
    );
    // The lanes went on past the writer's end: their last saves went to the next writer.
    expect(settled.slice(-3)).toEqual(["ok", "ok", "ok"]);

    const stored = new Set((await follower.store.loadActive()).map((row) => row.thread_id));
    const saved = burst.filter((_, i) => settled[i] === "ok");
    expect(saved.filter((id) => !stored.has(id))).toEqual([]);
    expect(await other.ask({ type: "save", threadIds: ["after-handover"] })).toEqual(["ok"]);
    expect((await follower.store.load("after-handover"))?.threadId).toBe("after-handover");
  });

  it("a writer that closes lets a follower's open transaction end first, then hands over", async () => {
    const name = freshName();
    const writer = await openHere(name);
    const follower = await openHere(name);
    let goOn: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => {
      goOn = resolve;
    });
    let firstSaved: () => void = () => undefined;
    const saved = new Promise<void>((resolve) => {
      firstSaved = resolve;
    });
    const transaction = follower.store.transaction(async (tx) => {
      await tx.save(negotiation("first"));
      firstSaved();
      await closing;
      await tx.save(negotiation("second"));
    });
    await saved;
    const closed = writer.store.close();
    goOn();
    await transaction;
    await closed;
    expect((await follower.store.loadActive()).map((row) => row.thread_id).sort()).toEqual([
      "first",
      "second",
    ]);
  });

  it("a follower that goes away in the middle of its transaction is rolled back, and the writer goes on", async () => {
    const name = freshName();
    const writer = await openHere(name);
    const follower = startWorker();
    await follower.ask({ type: "open", name });
    await follower.ask({ type: "hold", threadId: "held" });

    // The follower's open transaction holds the writer's turn: this save waits for it.
    const meanwhile = writer.store.save(negotiation("meanwhile"));
    const first = await Promise.race([
      meanwhile.then(() => "saved"),
      new Promise((resolve) => setTimeout(() => resolve("waiting"), 200)),
    ]);
    expect(first).toBe("waiting");
    follower.terminate();
    await meanwhile;
    expect(await writer.store.load("held")).toBeNull();
    expect((await writer.store.load("meanwhile"))?.threadId).toBe("meanwhile");
  });
});
