/**
 * The store of a place that several contexts of one origin open at once (DESIGN §3
 * "Several browser contexts, one store"): tabs, dedicated workers, extension pages. The
 * context holding the place's writer lock writes; every other one forwards its calls to it
 * over the `BroadcastChannel` `negotiation-state:<location>`, waits in line for the writer
 * lock, and becomes the writer when the one before it goes away.
 *
 * Where the place has a relay (`SharedPlace.relay`), a follower asks it for a direct line to
 * the writer, a `MessagePort`, and once the writer opens it, sends its calls and gets its
 * answers there: one hop between the two contexts instead of two through the channel's hub.
 * Changes, and who writes, still go to every context over the channel.
 *
 * What crosses: a save as the row it makes (built and checked where it was called, rebuilt
 * and saved by the writer), reads as rows (rebuilt where they were asked for), errors as
 * data ({@link WireError}). A follower's `transaction` and `update` run their function where
 * they were called, inside a transaction the writer holds open for them (a session), which
 * the writer rolls back if the follower's context goes away (its context lock frees).
 */
import type { SqlJsAdapter } from "../adapter/sql-js-adapter.js";
import { isNegotiationError } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import type { Persistence, SharedPlace } from "../persistence/persistence.js";
import type { RelayedLine, RelayRequest } from "../persistence/shared-place-relay.js";
import type { LockRequester } from "../persistence/web-lock.js";
import { storeClosedError, WriterChangedError } from "./errors.js";
import type { ChangeListeners, NegotiationChange } from "./negotiation-change.js";
import {
  checkedRow,
  negotiationToRow,
  rebuiltNegotiation,
  rebuiltNegotiations,
} from "./negotiation-row.js";
import {
  adapterBackend,
  applyUpdate,
  type NegotiationStateStore,
  type NegotiationStateStoreOptions,
  type StoreBackend,
  type StoreOperations,
  storeOverBackend,
} from "./negotiation-state-store.js";
import { initNegotiationStateTable, type NegotiationStateRow } from "./negotiation-state-table.js";
import { checkedThreadId } from "./thread-id.js";
import { formatTimestamp } from "./timestamp.js";
import { fromWireError, toWireError, type WireError } from "./wire-error.js";

/** The calls a follower sends; inside a session, all but `begin`. */
type Call =
  | "save"
  | "delete"
  | "putRow"
  | "loadRow"
  | "loadAll"
  | "loadActive"
  | "begin"
  | "commit"
  | "rollback";

/** What the contexts of one place tell each other. */
type Message =
  | { readonly kind: "writer"; readonly writer: string }
  | { readonly kind: "who" }
  | {
      readonly kind: "call";
      readonly id: number;
      readonly from: string;
      readonly to: string;
      readonly call: Call;
      readonly args: readonly unknown[];
      readonly session?: number;
    }
  | {
      readonly kind: "result";
      readonly id: number;
      readonly to: string;
      readonly value?: unknown;
      readonly error?: WireError;
      /** The writer was closing and did not run the call: it goes to the next writer. */
      readonly notRun?: true;
    }
  | { readonly kind: "changes"; readonly changes: readonly NegotiationChange[] }
  /**
   * The writer is closing: it runs nothing more, and none of what is unanswered ran. Said
   * on the channel and on every line, after the answers sent on each.
   */
  | { readonly kind: "leaving"; readonly writer: string }
  /** On a line: the writer took it, and answers the calls sent on it there. */
  | { readonly kind: "open" };

/** Where a call went: each carries its answers, and the writer's leaving, in order. */
type Route = "channel" | "line";

/** A call sent, or waiting for a writer to send it to. */
interface PendingCall {
  readonly call: Call;
  readonly args: readonly unknown[];
  readonly session: number | undefined;
  /** The store call it serves, for {@link WriterChangedError}. */
  readonly storeCall: string;
  sentTo: string | undefined;
  route: Route | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A transaction the writer holds open for a follower. */
interface Session {
  readonly operations: StoreOperations;
  finish(commit: boolean): void;
  readonly done: Promise<void>;
}

/** The calls that change nothing, which a follower may send again to the next writer. */
const READS: ReadonlySet<Call> = new Set(["loadRow", "loadAll", "loadActive"]);

/** What a session's transaction throws to roll back. */
const ROLLED_BACK = Symbol("rolled back");

/** What `begin` gives a transaction that this context, now the writer, runs itself. */
const RUN_HERE = Symbol("run here");

/**
 * Opens the store of `shared` in this context: the writer when the place's writer lock is
 * free, a follower otherwise.
 *
 * @internal
 */
export async function openSharedStore(
  shared: SharedPlace,
  open: (persistence: Persistence) => Promise<SqlJsAdapter>,
  options: Pick<NegotiationStateStoreOptions, "clock">,
): Promise<NegotiationStateStore> {
  let context: SharedContext | undefined;
  const store = storeOverBackend((listeners) => {
    context = new SharedContext(shared, listeners, options.clock ?? (() => new Date()));
    return context;
  });
  const opened = context as unknown as SharedContext;
  try {
    await opened.start((waitUntil) => open(shared.forWriter(waitUntil)));
  } catch (error) {
    await opened.close();
    throw error;
  }
  return store;
}

/** One context's part in a shared place: its store's backend. */
class SharedContext implements StoreBackend {
  readonly #location: string;
  readonly #shared: SharedPlace;
  readonly #id = crypto.randomUUID();
  readonly #channel: BroadcastChannel;
  readonly #locks: LockRequester;
  readonly #listeners: ChangeListeners;
  readonly #clock: () => Date;
  /** Aborted as this context's store closes: what it waits for or watches, it stops. */
  readonly #ending = new AbortController();
  readonly #pending = new Map<number, PendingCall>();
  readonly #sessions = new Map<string, Session>();
  readonly #served = new Set<Promise<void>>();
  #writer: { readonly backend: StoreBackend } | undefined;
  /** The port to the place's relay: `null` before it is asked for, `undefined` with none. */
  #relay: MessagePort | undefined | null = null;
  /** As the writer: the lines open to followers, by their context. */
  readonly #lines = new Map<string, MessagePort>();
  #offeringLines = false;
  /** As a follower: the line asked of the writer of the moment, and whether it opened. */
  #line: { readonly writer: string; readonly port: MessagePort; open: boolean } | undefined;
  /** The writer this context forwards to, once one has said so. */
  #writerId: string | undefined;
  /**
   * Whether another context of the place was ever heard from: until then, a lone writer
   * tells no one else of its changes.
   */
  #othersSeen = false;
  #nextCall = 1;
  #nextSession = 1;
  #closing = false;
  #releaseContextLock: () => void = () => undefined;
  readonly #forwarded: StoreOperations;

  constructor(shared: SharedPlace, listeners: ChangeListeners, clock: () => Date) {
    this.#location = shared.name;
    this.#shared = shared;
    this.#listeners = listeners;
    this.#clock = clock;
    this.#locks = (
      globalThis as unknown as { navigator: { locks: LockRequester } }
    ).navigator.locks;
    this.#channel = new BroadcastChannel(`negotiation-state:${shared.name}`);
    this.#channel.onmessage = ({ data }: MessageEvent<Message>) => this.#receive(data);
    this.#forwarded = this.#forwardedOperations(undefined);
    // Held while this context lives: a writer holding a session open for it learns of its end.
    void this.#locks.request(this.#contextLock(this.#id), {}, () => {
      return new Promise<void>((resolve) => {
        this.#releaseContextLock = resolve;
      });
    });
  }

  /**
   * Becomes the writer, or a follower waiting in line to be one.
   *
   * @param open - Opens the place as its writer: at once or not at all, or once the lock
   *   frees, until `waitUntil` aborts.
   */
  async start(open: (waitUntil?: AbortSignal) => Promise<SqlJsAdapter>) {
    let adapter: SqlJsAdapter;
    try {
      adapter = await open();
    } catch (error) {
      if (!isNegotiationError(error, "DATABASE_LOCKED")) throw error;
      // Others are there; once this context writes, they hear its changes. The first
      // writer learns of the others as they ask who writes.
      this.#othersSeen = true;
      this.#post({ kind: "who" });
      void this.#waitToWrite(open);
      return;
    }
    await this.#becomeWriter(adapter);
  }

  get operations(): StoreOperations {
    return this.#writer?.backend.operations ?? this.#forwarded;
  }

  async transaction<T>(
    batched: boolean,
    body: (operations: StoreOperations) => Promise<T>,
  ): Promise<T> {
    if (this.#writer) return this.#writer.backend.transaction(batched, body);
    const storeCall = batched ? "transaction" : "update";
    const session = await this.#send("begin", [batched], undefined, storeCall);
    // This context became the writer before the transaction began anywhere.
    if (session === RUN_HERE) return this.transaction(batched, body);
    return this.#inSession(session as number, storeCall, body);
  }

  /** Runs a follower's transaction body in the session the writer holds open for it. */
  async #inSession<T>(
    session: number,
    storeCall: string,
    body: (operations: StoreOperations) => Promise<T>,
  ): Promise<T> {
    let result: T;
    try {
      result = await body(this.#forwardedOperations(session));
    } catch (error) {
      await this.#send("rollback", [], session, storeCall).catch(() => undefined);
      throw error;
    }
    await this.#send("commit", [], session, storeCall);
    return result;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#ending.abort();
    try {
      // Calls under way, and transactions open for followers, end first: the latter go on
      // being served meanwhile.
      while (this.#served.size > 0 || this.#sessions.size > 0) {
        const ending = [...this.#served, ...[...this.#sessions.values()].map(({ done }) => done)];
        await Promise.all(ending.map((each) => each.catch(() => undefined)));
      }
      // Before the lock frees: the next writer must not find calls in doubt that never ran.
      if (this.#writer) {
        const leaving: Message = { kind: "leaving", writer: this.#id };
        this.#channel.postMessage(leaving);
        for (const line of this.#lines.values()) line.postMessage(leaving);
      }
      await this.#writer?.backend.close();
    } finally {
      const closed = storeClosedError();
      for (const pending of this.#pending.values()) pending.reject(closed);
      this.#pending.clear();
      this.#channel.close();
      this.#line?.port.close();
      this.#relay?.close();
      this.#releaseContextLock();
    }
  }

  async #waitToWrite(open: (waitUntil?: AbortSignal) => Promise<SqlJsAdapter>) {
    let adapter: SqlJsAdapter;
    try {
      adapter = await open(this.#ending.signal);
    } catch {
      // Closed while waiting, or the place cannot be opened: the writer of the moment, if
      // any, goes on serving this context.
      return;
    }
    if (this.#closing) {
      await adapter.close().catch(() => undefined);
      return;
    }
    // A place that cannot be made a store here (its table refused) is closed again, freeing
    // the lock for the next context in line; this one goes on forwarding.
    await this.#becomeWriter(adapter).catch(() => undefined);
  }

  async #becomeWriter(adapter: SqlJsAdapter): Promise<void> {
    await initNegotiationStateTable(adapter).catch(async (error: unknown) => {
      await adapter.close().catch(() => undefined);
      throw error;
    });
    this.#writer = {
      backend: adapterBackend(adapter, {
        clock: this.#clock,
        ownsAdapter: true,
        deliver: (changes) => {
          this.#listeners.deliver(changes);
          if (this.#othersSeen) this.#post({ kind: "changes", changes });
        },
        listening: () => this.#othersSeen || this.#listeners.active,
      }),
    };
    this.#writerChanged(this.#id);
    this.#post({ kind: "writer", writer: this.#id });
    if (this.#othersSeen) this.#offerLines();
  }

  #receive(message: Message): void {
    if (message.kind === "who") {
      this.#othersSeen = true;
      if (this.#writer && !this.#closing) {
        this.#post({ kind: "writer", writer: this.#id });
        this.#offerLines();
      }
    } else if (message.kind === "writer") {
      if (!this.#writer) this.#writerChanged(message.writer);
    } else if (message.kind === "leaving") {
      this.#writerLeft(message.writer, "channel");
    } else if (message.kind === "changes") {
      if (!this.#writer) this.#listeners.deliver(message.changes);
    } else if (message.kind === "result") {
      if (message.to === this.#id) this.#settle(message);
    } else if (message.kind === "call" && message.to === this.#id && this.#writer) {
      this.#serve(message, (answer) => this.#post(answer));
    }
  }

  /** The place's relay, connected on first use. */
  #relayPort(): MessagePort | undefined {
    if (this.#relay === null) {
      this.#relay = this.#shared.relay?.();
      this.#relay?.start();
    }
    return this.#relay;
  }

  /** As the writer, once others are there: takes the lines they ask the relay for. */
  #offerLines(): void {
    if (this.#offeringLines || this.#closing) return;
    const relay = this.#relayPort();
    if (relay === undefined) return;
    this.#offeringLines = true;
    relay.onmessage = ({ data, ports: [port] }: MessageEvent<RelayedLine>) => {
      if (port !== undefined) this.#openLine(data.from, port);
    };
    const here: RelayRequest = { kind: "here", id: this.#id, lock: this.#contextLock(this.#id) };
    relay.postMessage(here);
  }

  /** As the writer: serves follower `from` on `port`, until its context ends. */
  #openLine(from: string, port: MessagePort): void {
    if (this.#closing || !this.#writer) {
      port.close();
      return;
    }
    this.#lines.get(from)?.close();
    this.#lines.set(from, port);
    port.onmessage = ({ data }: MessageEvent<Message>) => {
      if (data.kind === "call") this.#serve(data, (answer) => port.postMessage(answer));
    };
    port.postMessage({ kind: "open" } satisfies Message);
    void this.#locks
      .request(this.#contextLock(from), { signal: this.#ending.signal }, () => {
        if (this.#lines.get(from) !== port) return;
        this.#lines.delete(from);
        port.close();
      })
      .catch(() => undefined);
  }

  /** As a follower: asks the relay for a line to `writer`, used once the writer opens it. */
  #askLine(writer: string): void {
    const relay = this.#relayPort();
    if (relay === undefined) return;
    const { port1: port, port2: theirs } = new MessageChannel();
    const line = { writer, port, open: false };
    this.#line = line;
    port.onmessage = ({ data }: MessageEvent<Message>) => {
      if (data.kind === "open") line.open = true;
      else if (data.kind === "result") this.#settle(data);
      else if (data.kind === "leaving") this.#writerLeft(data.writer, "line");
    };
    const request: RelayRequest = {
      kind: "line",
      from: this.#id,
      to: writer,
      lock: this.#contextLock(this.#id),
    };
    relay.postMessage(request, [theirs]);
  }

  /** Another writer (or this context) took over: what was sent to the one before is in doubt. */
  #writerChanged(writer: string): void {
    if (writer === this.#writerId) return;
    this.#writerId = writer;
    this.#line?.port.close();
    this.#line = undefined;
    if (writer !== this.#id) this.#askLine(writer);
    this.#unanswered(({ sentTo }) => sentTo !== writer, { ranNothing: false });
    for (const [id, pending] of this.#pending) {
      if (pending.sentTo === undefined) this.#dispatch(id, pending);
    }
    if (writer !== this.#id) {
      // Granted once the writer's context has ended, however it ended.
      void this.#locks
        .request(this.#contextLock(writer), { signal: this.#ending.signal }, () =>
          this.#writerGone(writer),
        )
        .catch(() => undefined);
    }
  }

  /** The writer's context ended: calls made from now on wait for the next writer. */
  #writerGone(writer: string): void {
    if (this.#writerId !== writer) return;
    this.#writerId = undefined;
    this.#unanswered(() => true, { ranNothing: false });
  }

  /**
   * Writer `writer` closed, having run nothing it left unanswered of the calls sent on
   * `route`: it says so there, after its last answer on it.
   */
  #writerLeft(writer: string, route: Route): void {
    if (this.#writerId === writer) this.#writerId = undefined;
    this.#unanswered((pending) => pending.sentTo === writer && pending.route === route, {
      ranNothing: true,
    });
  }

  /**
   * Settles what was sent to writers that no longer serve (those `gone` names) and left
   * unanswered. A call of a transaction cannot go on, since that writer held it open: it is
   * rejected with {@link WriterChangedError}. Any other goes again to the next writer when
   * it changed nothing: a read, or any call when the writer ran nothing more (`ranNothing`);
   * otherwise it may or may not have been made, and is rejected likewise.
   */
  #unanswered(
    gone: (pending: PendingCall) => boolean,
    { ranNothing }: { ranNothing: boolean },
  ): void {
    for (const [id, pending] of this.#pending) {
      if (pending.sentTo === undefined || !gone(pending)) continue;
      if (pending.session === undefined && (ranNothing || READS.has(pending.call))) {
        pending.sentTo = undefined;
        pending.route = undefined;
      } else {
        this.#pending.delete(id);
        pending.reject(new WriterChangedError(this.#location, pending.storeCall));
      }
    }
  }

  #send(
    call: Call,
    args: readonly unknown[],
    session: number | undefined,
    storeCall: string,
  ): Promise<unknown> {
    if (this.#closing) {
      return Promise.reject(storeClosedError());
    }
    return new Promise((resolve, reject) => {
      const id = this.#nextCall++;
      const pending: PendingCall = {
        call,
        args,
        session,
        storeCall,
        sentTo: undefined,
        route: undefined,
        resolve,
        reject,
      };
      this.#pending.set(id, pending);
      if (this.#writerId !== undefined) this.#dispatch(id, pending);
    });
  }

  /** Sends a call to the writer of the moment, or runs it here when this context writes. */
  #dispatch(id: number, pending: PendingCall): void {
    const writer = this.#writerId as string;
    if (writer === this.#id) {
      this.#pending.delete(id);
      // A session begun with a writer that went away cannot go on here.
      if (pending.session !== undefined) {
        pending.reject(new WriterChangedError(this.#location, pending.storeCall));
        return;
      }
      if (pending.call === "begin") {
        pending.resolve(RUN_HERE);
        return;
      }
      this.#run(pending.call, pending.args, undefined, this.#id).then(
        pending.resolve,
        pending.reject,
      );
      return;
    }
    const call: Message = {
      kind: "call",
      id,
      from: this.#id,
      to: writer,
      call: pending.call,
      args: pending.args,
      ...(pending.session !== undefined && { session: pending.session }),
    };
    pending.sentTo = writer;
    const line = this.#line;
    if (line?.open && line.writer === writer) {
      pending.route = "line";
      line.port.postMessage(call);
    } else {
      pending.route = "channel";
      this.#post(call);
    }
  }

  #settle(message: Extract<Message, { kind: "result" }>): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    if (message.notRun) {
      // Never run: it waits for the next writer, as a call made now would.
      pending.sentTo = undefined;
      pending.route = undefined;
      return;
    }
    this.#pending.delete(message.id);
    if (message.error) pending.reject(fromWireError(message.error, this.#location));
    else pending.resolve(message.value);
  }

  /** Runs a follower's call, answering on the route it came by. */
  #serve(message: Extract<Message, { kind: "call" }>, reply: (answer: Message) => void): void {
    const answer = (result: Omit<Extract<Message, { kind: "result" }>, "kind" | "id" | "to">) =>
      reply({ kind: "result", id: message.id, to: message.from, ...result });
    // A transaction already open goes on to its end, which the closing waits for.
    if (this.#closing && message.session === undefined) {
      answer({ notRun: true });
      return;
    }
    const served = this.#run(message.call, message.args, message.session, message.from).then(
      (value) => answer({ value }),
      (error: unknown) => answer({ error: toWireError(error) }),
    );
    this.#served.add(served);
    void served.finally(() => this.#served.delete(served));
  }

  /** Runs a follower's call (or one this context made before it wrote) on the writer. */
  async #run(
    call: Call,
    args: readonly unknown[],
    session: number | undefined,
    from: string,
  ): Promise<unknown> {
    const backend = (this.#writer as { backend: StoreBackend }).backend;
    if (session === undefined) {
      return call === "begin"
        ? this.#begin(backend, args[0] === true, from)
        : runOperation(backend.operations, call, args);
    }
    const open = this.#sessions.get(`${from}:${session}`);
    if (open === undefined) {
      throw new StorageError(
        `The transaction on ${this.#location} is over: its context went away, or it ended`,
        { location: this.#location },
      );
    }
    if (call !== "commit" && call !== "rollback") return runOperation(open.operations, call, args);
    open.finish(call === "commit");
    await open.done.catch((error: unknown) => {
      if (error !== ROLLED_BACK) throw error;
    });
    return undefined;
  }

  /** Opens a transaction for a follower, held until it commits, rolls back, or goes away. */
  async #begin(backend: StoreBackend, batched: boolean, from: string): Promise<number> {
    const session = this.#nextSession++;
    const key = `${from}:${session}`;
    let begun: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      begun = resolve;
    });
    let finish: (commit: boolean) => void = () => undefined;
    const ended = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    const gone = new AbortController();
    const done = backend
      .transaction(batched, async (operations) => {
        this.#sessions.set(key, { operations, finish, done });
        begun();
        if (!(await ended)) throw ROLLED_BACK;
      })
      .finally(() => {
        this.#sessions.delete(key);
        gone.abort();
      });
    done.catch(() => undefined);
    // Granted only once the follower's context has ended: its transaction is rolled back.
    this.#locks
      .request(this.#contextLock(from), { signal: gone.signal }, () => finish(false))
      .catch(() => undefined);
    await Promise.race([started, done]);
    return session;
  }

  #forwardedOperations(session: number | undefined): StoreOperations {
    const clock = this.#clock;
    const send = (call: Call, args: readonly unknown[], storeCall: string) =>
      this.#send(call, args, session, storeCall);
    const loadRow = async (threadId: string) =>
      (await send("loadRow", [checkedThreadId(threadId)], "load")) as NegotiationStateRow | null;
    const operations: StoreOperations = {
      async save(negotiation) {
        await operations.saveRow(negotiationToRow(negotiation, formatTimestamp(clock())));
      },
      async saveRow(row) {
        await send("save", [row], "save");
      },
      loadRow,
      async load(threadId) {
        const row = await loadRow(threadId);
        return row === null ? null : rebuiltNegotiation(row);
      },
      loadAll: async () => (await send("loadAll", [], "loadAll")) as NegotiationStateRow[],
      loadActive: async () => (await send("loadActive", [], "loadActive")) as NegotiationStateRow[],
      restoreAll: async () =>
        rebuiltNegotiations((await send("loadAll", [], "restoreAll")) as NegotiationStateRow[]),
      restoreActive: async () =>
        rebuiltNegotiations(
          (await send("loadActive", [], "restoreActive")) as NegotiationStateRow[],
        ),
      putRow: async (row) => (await send("putRow", [checkedRow(row)], "putRow")) as boolean,
      delete: async (threadId) =>
        (await send("delete", [checkedThreadId(threadId)], "delete")) as boolean,
      async update(threadId, fn) {
        const thread = checkedThreadId(threadId);
        return applyUpdate(thread, await loadRow(thread), fn, {
          async save(negotiation) {
            await operations.save(negotiation);
            return (await loadRow(thread)) as NegotiationStateRow;
          },
          remove: () => operations.delete(thread),
        });
      },
    };
    return operations;
  }

  #contextLock(id: string): string {
    return `negotiation-state:${this.#location}:context:${id}`;
  }

  #post(message: Message): void {
    if (!this.#closing || message.kind === "result") this.#channel.postMessage(message);
  }
}

/** Runs one forwarded operation on the writer's operations. */
async function runOperation(
  operations: StoreOperations,
  call: Call,
  args: readonly unknown[],
): Promise<unknown> {
  const [arg] = args;
  switch (call) {
    case "save":
      return operations.saveRow(arg as NegotiationStateRow);
    case "delete":
      return operations.delete(arg as string);
    case "putRow":
      return operations.putRow(arg as NegotiationStateRow);
    case "loadRow":
      return operations.loadRow(arg as string);
    case "loadAll":
      return operations.loadAll();
    case "loadActive":
      return operations.loadActive();
    default:
      throw new StorageError(`A follower asked for ${call} outside a transaction`);
  }
}
