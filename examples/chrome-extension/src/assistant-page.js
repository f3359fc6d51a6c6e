// The assistant's page: lists the unfinished negotiations and advances one on request. It
// keeps no state of its own; the service worker owns the store and answers every message.
const table = document.querySelector("#negotiations");
const rows = table.querySelector("tbody");
const empty = document.querySelector("#empty");
const status = document.querySelector("#status");

document.querySelector("#seed").addEventListener("click", () => run({ type: "seed" }));

rows.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-thread]");
  if (!button) return;
  // Re-enabled by the list drawn afterwards, which replaces the row.
  button.disabled = true;
  run({ type: "advance", threadId: button.dataset.thread });
});

run();

/**
 * Sends `message` (if any) to the service worker, then shows the list again, and any error.
 * `aria-busy` on the table is true until the list shown is current.
 */
async function run(message) {
  table.setAttribute("aria-busy", "true");
  const errors = [];
  if (message) await send(message).catch((error) => errors.push(error.message));
  await send({ type: "list" }).then(render, (error) => errors.push(error.message));
  status.textContent = errors.join(" ");
  table.setAttribute("aria-busy", "false");
}

async function send(message) {
  const response = await chrome.runtime.sendMessage(message);
  if (!response?.ok)
    throw new Error(response?.error?.message ?? "The service worker did not answer");
  return response.result;
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
