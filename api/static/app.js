// chatkit-todo web client: plain JavaScript, no build step, no external requests.
"use strict";

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;
const state = {
  token: store.getItem("chatkit.token"),
  user: store.getItem("chatkit.user"),
  threadId: store.getItem("chatkit.thread"),
  // The server has the thread (it has at least one turn); a new one is not fetched (a 404).
  threadKnown: store.getItem("chatkit.threadKnown") === "1",
  lastEventId: 0,
  source: null,
  threadsCursor: null,
  beforeCursor: null,
};

// ---- errors in plain words --------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, retryAfter, token) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
    this.token = token; // the credentials the failed request carried
  }
}

function plainWords(error) {
  if (!(error instanceof ApiError)) {
    return "Cannot reach the server. Check your connection and try again.";
  }
  switch (error.status) {
    case 401: return "You are signed out or your sign-in has expired. Please sign in again.";
    case 403: return "That belongs to another account, so you cannot use it.";
    case 404: return "Not found: " + error.message;
    case 413: return "That message is too large to send.";
    case 422: return "That did not work: " + error.message;
    case 429: return "Too many requests. Please wait " + (error.retryAfter || "a few") +
      " seconds and try again.";
    case 503: return "The service is busy or temporarily unavailable. Try again in a moment.";
    default: return "Something went wrong on the server (" + error.status + "). Try again.";
  }
}

function showError(error) {
  // A late answer to a request made with an earlier sign-in says nothing about this one.
  if (error instanceof ApiError && error.token !== undefined && error.token !== state.token) {
    return;
  }
  const box = $("alert");
  box.textContent = typeof error === "string" ? error : plainWords(error);
  box.hidden = false;
  if (error instanceof ApiError && error.status === 401) signOut(false);
}

function clearError() { $("alert").hidden = true; $("alert").textContent = ""; }

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  const token = state.token;
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers,
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "network error", null, token);
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  if (!response.ok) {
    const message = data && data.error ? data.error.message : response.statusText;
    throw new ApiError(response.status, message, response.headers.get("Retry-After"), token);
  }
  return data;
}

// ---- signing in --------------------------------------------------------------------------

function tokenUser(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return payload.user_id || payload.sub || "you";
  } catch (err) { return "you"; }
}

function signIn(token, user) {
  state.token = token;
  state.user = user || tokenUser(token);
  store.setItem("chatkit.token", state.token);
  store.setItem("chatkit.user", state.user);
  clearError();
  showApp();
}

function signOut(clearMessage = true) {
  closeStream();
  state.token = null;
  store.removeItem("chatkit.token");
  store.removeItem("chatkit.user");
  $("app").hidden = true;
  $("signin").hidden = false;
  $("sign-out").hidden = true;
  $("whoami").textContent = "";
  if (clearMessage) clearError();
}

$("dev-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const user = $("dev-user").value.trim();
  try {
    const data = await api("POST", "/api/dev/token", { user });
    signIn(data.token, data.user);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
      showError("Development sign-in is turned off on this server. Paste an access token.");
      $("token-input").focus();
    } else {
      showError(err);
    }
  }
});

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token-input").value.trim();
  if (token) signIn(token);
});

$("sign-out").addEventListener("click", () => signOut());

// ---- threads -----------------------------------------------------------------------------

function newThreadId() {
  return "t-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
}

async function loadThreads(more = false) {
  const params = new URLSearchParams({ limit: "20" });
  if (more && state.threadsCursor) params.set("after", state.threadsCursor);
  const page = await api("GET", "/api/chatkit/threads?" + params);
  const list = $("thread-list");
  if (!more) list.textContent = "";
  for (const thread of page.threads) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thread";
    button.dataset.threadId = thread.id;
    button.setAttribute("aria-current", String(thread.id === state.threadId));
    button.textContent = thread.title || thread.id;
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = thread.last_status ? "last reply: " + thread.last_status : "";
    button.append(status);
    button.addEventListener("click", () => openThread(thread.id).catch(showError));
    li.append(button);
    list.append(li);
  }
  state.threadsCursor = page.next_cursor;
  $("more-threads").hidden = !page.next_cursor;
}

$("more-threads").addEventListener("click", () => loadThreads(true).catch(showError));
$("new-thread").addEventListener("click", () => {
  openThread(newThreadId(), { fresh: true }).catch(showError);
  $("composer-input").focus();
});

$("delete-thread").addEventListener("click", async () => {
  if (!state.threadKnown || !window.confirm("Delete this thread? Your tasks stay.")) return;
  try {
    await api("DELETE", "/api/chatkit/threads/" + encodeURIComponent(state.threadId));
    await openThread(newThreadId(), { fresh: true });
    await loadThreads();
  } catch (err) { showError(err); }
});

function setThreadKnown(known) {
  state.threadKnown = known;
  store.setItem("chatkit.threadKnown", known ? "1" : "0");
  $("delete-thread").hidden = !known;
}

// `fresh`: an id made here that the server has never seen, so there is nothing to fetch.
async function openThread(threadId, { fresh = false } = {}) {
  closeStream();
  state.threadId = threadId;
  state.lastEventId = 0;
  state.beforeCursor = null;
  store.setItem("chatkit.thread", threadId);
  $("log").textContent = "";
  $("chat-title").textContent = "New thread";
  for (const button of document.querySelectorAll(".thread-list button.thread")) {
    button.setAttribute("aria-current", String(button.dataset.threadId === threadId));
  }
  let history = null;
  if (!fresh) {
    try {
      history = await api("GET", "/api/chatkit/threads/" + encodeURIComponent(threadId));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  setThreadKnown(history !== null);
  if (history) {
    $("chat-title").textContent = history.thread.title || threadId;
    for (const item of history.items) upsertItem(item, false);
    state.beforeCursor = history.before_cursor;
    state.lastEventId = history.last_event_id;
    openStream();
  }
  $("older").hidden = !state.beforeCursor;
  scrollToEnd();
}

$("older").addEventListener("click", async () => {
  try {
    const params = new URLSearchParams({ before: state.beforeCursor, limit: "50" });
    const page = await api("GET", "/api/chatkit/threads/" +
      encodeURIComponent(state.threadId) + "?" + params);
    const first = $("log").firstChild;
    for (const item of page.items) upsertItem(item, false, first);
    state.beforeCursor = page.before_cursor;
    $("older").hidden = !state.beforeCursor;
  } catch (err) { showError(err); }
});

// ---- live events -------------------------------------------------------------------------

function setLive(on) {
  $("live").textContent = on ? "live" : "offline";
  $("live").classList.toggle("on", on);
}

function closeStream() {
  if (state.source) state.source.close();
  state.source = null;
  setLive(false);
}

async function openStream() {
  closeStream();
  const threadId = state.threadId;
  let grant;
  try {
    grant = await api("POST", "/api/chatkit/threads/" + encodeURIComponent(threadId) +
      "/stream-token");
  } catch (err) {
    if (err instanceof ApiError && err.status === 429) showError(err);
    else if (err instanceof ApiError && err.status === 401) showError(err);
    setTimeout(() => { if (state.threadId === threadId && !state.source) openStream(); }, 5000);
    return;
  }
  if (state.threadId !== threadId) return;
  const source = new EventSource(grant.events_url + "&after=" + state.lastEventId);
  state.source = source;
  source.onopen = () => setLive(true);
  for (const type of ["turn.queued", "turn.running", "turn.completed", "turn.failed"]) {
    source.addEventListener(type, (message) => {
      const data = JSON.parse(message.data);
      if (data.event_id <= state.lastEventId) return;
      state.lastEventId = data.event_id;
      if (data.item) upsertItem(data.item, true);
      if (type === "turn.completed" || type === "turn.failed") loadThreads().catch(() => {});
    });
  }
  source.onerror = () => {
    setLive(false);
    // The browser retries by itself (sending Last-Event-ID) unless the server refused the
    // stream (its token expired): then ask for a new token and resume from the last event.
    if (source.readyState === EventSource.CLOSED && state.source === source) {
      state.source = null;
      setTimeout(() => { if (state.threadId === threadId && !state.source) openStream(); },
        2000);
    }
  };
}

// ---- sending -----------------------------------------------------------------------------

async function sendMessage(text) {
  const threadId = state.threadId;
  const accepted = await api("POST", "/api/chatkit/respond", {
    thread_id: threadId, input: text,
    metadata: { user_agent: "web", timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
  });
  if (!state.threadKnown) $("chat-title").textContent = text.slice(0, 80); // as the server titles it
  upsertItem({ id: accepted.response_id, kind: "message", input: text, status: "queued",
    widgets: [], text: null }, true);
  afterSend(threadId, "/api/chatkit/responses/" + accepted.response_id);
}

async function sendAction(action, widgetId) {
  const threadId = state.threadId;
  const accepted = await api("POST", "/api/chatkit/action", {
    thread_id: threadId,
    action: { type: action.type, widget_id: widgetId, payload: action.payload || {} },
  });
  afterSend(threadId, "/api/chatkit/actions/" + accepted.action_id);
}

function afterSend(threadId, resultPath) {
  if (!state.threadKnown) {
    setThreadKnown(true);
    loadThreads().catch(() => {});
  }
  if (!state.source) {
    openStream();
    // Without a live stream yet, long-poll the result so the answer shows up regardless.
    api("GET", resultPath + "?wait=25").then((item) => {
      if (state.threadId === threadId) upsertItem(normalize(item), true);
    }).catch(() => {});
  }
}

function normalize(result) {
  const id = result.response_id || result.action_id;
  return Object.assign({ id, kind: result.response_id ? "message" : "action" }, result);
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text) return;
  clearError();
  input.value = "";
  try { await sendMessage(text); } catch (err) { input.value = text; showError(err); }
  input.focus();
});

// ---- rendering ---------------------------------------------------------------------------

function scrollToEnd() { const log = $("log"); log.scrollTop = log.scrollHeight; }

function upsertItem(item, live, beforeNode) {
  if (!item || !item.id) return;
  let li = document.getElementById("turn-" + item.id);
  if (!li) {
    li = document.createElement("li");
    li.id = "turn-" + item.id;
    li.className = "turn";
    if (beforeNode) $("log").insertBefore(li, beforeNode); else $("log").append(li);
  }
  if (li.dataset.status === "completed" || li.dataset.status === "failed") {
    if (item.status !== "completed" && item.status !== "failed") return; // stale event
  }
  li.dataset.status = item.status;
  li.textContent = "";
  const who = document.createElement("div");
  who.className = "user";
  const bubble = document.createElement("span");
  bubble.className = "bubble";
  if (item.kind === "action") {
    const action = item.action || {};
    bubble.textContent = "Clicked: " + (action.type || "action").replace(/_/g, " ");
  } else {
    bubble.textContent = item.input || "";
  }
  who.append(visuallyHidden("You said: "), bubble);
  const reply = document.createElement("div");
  reply.className = "assistant";
  reply.append(visuallyHidden("Assistant: "));
  li.append(who, reply); // attached first: rendering looks for earlier cards to replace
  if (item.status === "queued" || item.status === "running") {
    const status = document.createElement("p");
    status.className = "status";
    status.textContent = item.status === "queued" ? "Waiting…" : "Working…";
    reply.append(status);
  } else {
    renderResult(item, reply);
  }
  if (live) scrollToEnd();
}

function visuallyHidden(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
}

function replacedCardId(item) {
  if (item.replaces) return item.replaces;
  const first = (item.widgets || [])[0];
  return first && first.metadata ? first.metadata.replaces || null : null;
}

function renderResult(item, reply) {
  const widgets = item.widgets || [];
  const replaces = item.status === "completed" ? replacedCardId(item) : null;
  const target = replaces ? findWidget(replaces, reply.closest("li.turn")) : null;
  if (target && widgets.length) {
    // Update the card in place; the action's own entry keeps a one-line note.
    const fragment = document.createDocumentFragment();
    for (const widget of widgets) fragment.append(renderWidget(widget));
    target.replaceWith(fragment);
    const note = document.createElement("p");
    note.className = "status";
    note.textContent = item.text || "Updated.";
    reply.append(note);
    return;
  }
  if (!widgets.length || item.status === "failed") {
    const text = document.createElement("p");
    text.className = item.status === "failed" ? "failed" : "";
    text.textContent = item.text || (item.status === "failed" ? "This failed." : "");
    reply.append(text);
    if (item.status === "failed") return;
  }
  for (const widget of widgets) reply.append(renderWidget(widget));
}

// The newest widget with this id shown before `turnNode` (cards such as the task list
// repeat their ids from turn to turn; the click always concerns an earlier one).
function findWidget(widgetId, turnNode) {
  let found = null;
  for (const node of $("log").querySelectorAll("[data-widget-id]")) {
    if (turnNode && (turnNode === node || turnNode.contains(node) ||
        !(turnNode.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING))) {
      continue;
    }
    if (node.dataset.widgetId === widgetId) found = node;
  }
  return found;
}

function renderWidget(widget) {
  const props = widget.props || {};
  const children = widget.children || [];
  let node;
  switch (widget.type) {
    case "card":
      node = document.createElement("section");
      node.className = "w-card";
      break;
    case "headline":
      node = document.createElement("h3");
      node.className = "w-headline";
      node.textContent = props.text || "";
      break;
    case "text":
      node = document.createElement("p");
      node.className = "w-text" + (props.completed ? " done" : "") +
        (props.overdue ? " overdue" : "");
      node.textContent = props.text || "";
      if (props.completed) node.append(visuallyHidden(" (done)"));
      if (props.overdue) node.append(visuallyHidden(" (overdue)"));
      break;
    case "listview":
      node = document.createElement("ul");
      node.className = "w-listview";
      for (const child of children) {
        const li = document.createElement("li");
        li.append(renderWidget(child));
        node.append(li);
      }
      node.dataset.widgetId = widget.id;
      return node;
    case "row":
      node = document.createElement("div");
      node.className = "w-row";
      break;
    case "button":
      node = renderButton(widget, props);
      break;
    case "badge":
      node = document.createElement("span");
      node.className = "w-badge" +
        (props.kind ? " kind-" + String(props.kind).replace(/[^a-z0-9_-]/gi, "") : "");
      node.textContent = props.text || props.label || "";
      break;
    case "caption":
      node = document.createElement("small");
      node.className = "w-caption";
      node.textContent = props.text || "";
      break;
    case "divider":
      node = document.createElement("hr");
      node.className = "w-divider";
      break;
    default:
      // Unknown types still show their text and children.
      node = document.createElement("div");
      node.className = "w-box w-" + String(widget.type || "unknown").replace(/[^a-z0-9_-]/gi, "");
      if (props.text) {
        const text = document.createElement("p");
        text.className = "w-text";
        text.textContent = props.text;
        node.append(text);
      }
  }
  node.dataset.widgetId = widget.id;
  if (widget.type !== "listview") {
    for (const child of children) node.append(renderWidget(child));
  }
  return node;
}

function renderButton(widget, props) {
  const button = document.createElement("button");
  button.type = "button";
  const style = props.style || props.variant;
  button.className = "w-button" + (style ? " " + String(style).replace(/[^a-z0-9_-]/gi, "") : "");
  button.textContent = props.text || props.label || "Go";
  const action = props.action;
  if (props.disabled || !action) button.disabled = true;
  if (props.aria_label) button.setAttribute("aria-label", props.aria_label);
  button.addEventListener("click", async () => {
    clearError();
    button.disabled = true;
    try {
      if (action.type === "suggestion" && action.payload && action.payload.text) {
        await sendMessage(action.payload.text);
      } else {
        await sendAction(action, widget.id);
      }
    } catch (err) {
      button.disabled = false;
      showError(err);
    }
  });
  return button;
}

// ---- start -------------------------------------------------------------------------------

async function showApp() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("whoami").textContent = "Signed in as " + state.user;
  // Known at once: a message typed before the lists load still has a thread to go to.
  const fresh = !state.threadId || !state.threadKnown;
  state.threadId = state.threadId || newThreadId();
  try {
    await Promise.all([loadThreads(), openThread(state.threadId, { fresh })]);
  } catch (err) { showError(err); }
}

if (state.token) showApp();
