/**
 * The shared worker that introduces the contexts of one shared place to each other (one
 * worker per place, started by `connectRelay`). A writer says it is here; a follower sends
 * a `MessagePort` for the writer it forwards to, which the relay passes on, at once or once
 * that writer is here. The relay carries no call itself, and holds nothing durable: a
 * context it forgets (its lock freed) or a line it never passes on only leaves its follower
 * on the `BroadcastChannel`.
 *
 * @packageDocumentation
 */
import type { RelayedLine, RelayRequest } from "./persistence/shared-place-relay.js";

/** The part of a shared worker's global scope this worker uses. */
interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
  navigator: { locks: LockManager };
}

const scope = globalThis as unknown as SharedWorkerScope;
/** The writers that are here, by context. */
const writers = new Map<string, MessagePort>();
/** Lines asked for writers not here yet, by the follower that asked: its latest only. */
const waiting = new Map<string, { readonly to: string; readonly port: MessagePort }>();
const watched = new Set<string>();

scope.onconnect = ({ ports: [context] }) => {
  if (context === undefined) return;
  context.onmessage = ({ data, ports }: MessageEvent<RelayRequest>) => {
    forgetWhenGone(data);
    if (data.kind === "here") {
      writers.set(data.id, context);
      for (const [from, line] of waiting) {
        if (line.to === data.id) {
          waiting.delete(from);
          pass(context, from, line.port);
        }
      }
      return;
    }
    const [port] = ports;
    if (port === undefined) return;
    const writer = writers.get(data.to);
    if (writer === undefined) waiting.set(data.from, { to: data.to, port });
    else pass(writer, data.from, port);
  };
};

function pass(writer: MessagePort, from: string, port: MessagePort): void {
  const line: RelayedLine = { kind: "line", from };
  writer.postMessage(line, [port]);
}

/** Forgets a context once its lock frees, however it ended. */
function forgetWhenGone(request: RelayRequest): void {
  const id = request.kind === "here" ? request.id : request.from;
  if (watched.has(id)) return;
  watched.add(id);
  void scope.navigator.locks.request(request.lock, () => {
    watched.delete(id);
    writers.delete(id);
    waiting.delete(id);
  });
}
