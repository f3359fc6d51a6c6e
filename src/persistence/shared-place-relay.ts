/**
 * What a context tells the relay of its shared place (see `shared-place-relay-worker.ts`).
 * Each names the context's lock, held while it lives: the relay forgets the context once
 * that lock frees.
 */
export type RelayRequest =
  /** This context writes and takes lines: hand it the ports asked for it. */
  | { readonly kind: "here"; readonly id: string; readonly lock: string }
  /** A line to context `to`, whose port is transferred with this message. */
  | { readonly kind: "line"; readonly from: string; readonly to: string; readonly lock: string };

/** What the relay hands a writer: a line from context `from`, its port transferred. */
export interface RelayedLine {
  readonly kind: "line";
  readonly from: string;
}

/**
 * Connects this context to the relay of the shared place `name`: a shared worker, one per
 * place, that passes a `MessagePort` from one context to another, so that they talk over it
 * directly (one hop between renderers) instead of through the browser's `BroadcastChannel`
 * hub (two). The package's `shared-place-relay-worker.js`, started from beside this module
 * (the literal `new URL(...)` below is what Vite and webpack 5 recognise to bundle it), or
 * `script`.
 *
 * @param name - The place's name: contexts of one place meet in one relay.
 * @param script - The worker's script, for a bundle that keeps it elsewhere.
 * @returns The port to the relay; `undefined` where no shared worker can start (a worker or
 *   service worker, a browser without them) or it refused to: the contexts then talk over
 *   the channel alone.
 */
export function connectRelay(name: string, script?: URL): MessagePort | undefined {
  if (typeof (globalThis as { SharedWorker?: unknown }).SharedWorker !== "function") {
    return undefined;
  }
  const relayName = `negotiation-state:${name}`;
  try {
    // The options inline, their type a literal: what Vite needs to read them.
    const relay =
      script === undefined
        ? new SharedWorker(new URL("./shared-place-relay-worker.js", import.meta.url), {
            name: relayName,
            type: "classic",
          })
        : new SharedWorker(script, { name: relayName });
    // A script that does not load (a bundle without it, a Content Security Policy) is no
    // fault: lines are never offered, and calls keep to the channel.
    relay.onerror = (event) => event.preventDefault();
    return relay.port;
  } catch {
    return undefined;
  }
}
