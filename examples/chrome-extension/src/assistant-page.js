// The assistant's page, in the popup, a tab or the side panel: it opens the negotiation
// store itself, lists the unfinished negotiations, advances one on request, and draws the
// list again whenever any context of the extension changes the store. The service worker
// writes while it lives: this page wakes it first, so that its store forwards to the
// worker's. Should Chrome stop the worker, this page takes over the writing, and keeps
// working; the worker forwards to it when the next event wakes it.
import { openNegotiationStore } from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { advanceThread, list, seed, storeOptions } from "./negotiation-steps.js";

const table = document.querySelector("#negotiations");
const rows = table.querySelector("tbody");
const empty = document.querySelector("#empty");
const status = document.querySelector("#status");

// Opening the worker's store first keeps it the writer; the page works without it too.
await chrome.runtime.sendMessage({ type: "open" }).catch(() => undefined);
const store = await openNegotiationStore(storeOptions(indexedDbPersistence));

// Every context's changes, once durable: one redraw for the changes of one task.
let redrawQueued = false;
store.subscribe(() => {
  if (redrawQueued) return;
  redrawQueued = true;
  queueMicrotask(() => {
    redrawQueued = false;
    run();
  });
});

document.querySelector("#seed").addEventListener("click", () => run(() => seed(store)));

rows.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-thread]");
  if (!button) return;
  // Re-enabled by the list drawn afterwards, which replaces the row.
  button.disabled = true;
  run(() => advanceThread(store, button.dataset.thread));
});

run();

/**
 * Runs `change` (if any), then shows the list again, and any error. `aria-busy` on the table
 * is true until the list shown is current.
 */
async function run(change) {
  table.setAttribute("aria-busy", "true");
  const errors = [];
  if (change) await change().catch((error) => errors.push(error.message));
  await list(store).then(render, (error) => errors.push(error.message));
  status.textContent = errors.join(" ");
  table.setAttribute("aria-busy", "false");
}

function render(negotiations) {
  rows.replaceChildren(...negotiations.map(row));
  empty.hidden = negotiations.length > 0;
}

function row({ threadId, state, round, maxAllowedCpm }) {
  const tr = document.createElement("tr");
  tr.dataset.thread = threadId;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Advance";
  button.dataset.thread = threadId;
  tr.append(
    cell(threadId),
    cell(state),
    cell(round),
    cell(`$${maxAllowedCpm}`, "money"),
    cell(button),
  );
  return tr;
}

function cell(content, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.append(content);
  return td;
}
