/* Asystent Naborów — web chat client.
 * Bot text is always inserted as text (textContent / text nodes), never as HTML; links are
 * built as <a> elements and only for http(s) URLs. The CSP forbids inline script, so all
 * behaviour lives in this file. */
"use strict";

(() => {
  const API_PATH = "/api/chat";
  const SESSION_KEY = "asystent-naborow:session";
  const SESSION_RE = /^[A-Za-z0-9_-]{8,64}$/; // keep in step with SESSION_RE in bot/web/chat.py
  const URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  const TRAILING = ".,;:!?'\"»”’]}>";
  const REQUEST_TIMEOUT_MS = 30000;
  const NETWORK_ERROR =
    "Nie udało się połączyć z asystentem. Sprawdź połączenie z internetem i spróbuj ponownie.";
  const SERVER_ERROR = "Coś poszło nie tak po stronie serwera. Spróbuj ponownie za chwilę.";

  const form = document.getElementById("composer");
  const input = document.getElementById("question");
  const sendButton = document.getElementById("send");
  const list = document.getElementById("messages");
  const typing = document.getElementById("typing");
  const conversation = document.getElementById("conversation");
  const errorBox = document.getElementById("composer-error");
  const maxChars = Number(form.dataset.maxChars) || 2000;
  const finePointer = window.matchMedia("(pointer: fine)").matches;
  let pending = false;
  let memorySession = null;

  function newSessionId() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // randomUUID needs a secure context; plain http on a LAN address still has getRandomValues.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function sessionId() {
    try {
      let id = sessionStorage.getItem(SESSION_KEY);
      if (!id || !SESSION_RE.test(id)) {
        id = newSessionId();
        sessionStorage.setItem(SESSION_KEY, id);
      }
      return id;
    } catch (_) {
      // Storage can be blocked (privacy settings); the conversation then lasts for this page.
      memorySession = memorySession || newSessionId();
      return memorySession;
    }
  }

  function trimUrl(candidate) {
    let url = candidate;
    for (;;) {
      const last = url.charAt(url.length - 1);
      const unbalanced = last === ")" && url.split("(").length < url.split(")").length;
      if (!(TRAILING.includes(last) || unbalanced) || url.length === 0) return url;
      url = url.slice(0, -1);
    }
  }

  function safeHref(candidate) {
    try {
      const url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /** Append `text` to `parent` as text nodes, with http(s) URLs as links. */
  function appendLinkified(parent, text) {
    let done = 0;
    for (const match of text.matchAll(URL_RE)) {
      const shown = trimUrl(match[0]);
      const href = safeHref(shown);
      if (!href) continue;
      parent.append(document.createTextNode(text.slice(done, match.index)));
      const link = document.createElement("a");
      link.href = href;
      link.textContent = shown;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.append(link);
      done = match.index + shown.length;
    }
    parent.append(document.createTextNode(text.slice(done)));
  }

  function scrollToEnd() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  function addMessage(role, text) {
    const item = document.createElement("li");
    item.className = `message message--${role}`;
    if (text) {
      const paragraph = document.createElement("p");
      paragraph.className = "message__text";
      if (role === "bot") appendLinkified(paragraph, text);
      else paragraph.textContent = text;
      item.append(paragraph);
    }
    list.append(item);
    scrollToEnd();
    return item;
  }

  function setGroupUsed(group, used) {
    for (const button of group.querySelectorAll("button")) {
      // aria-disabled rather than disabled: the pressed button keeps keyboard focus.
      button.setAttribute("aria-disabled", String(used));
      if (!used) button.classList.remove("is-chosen");
    }
    group.dataset.used = String(used);
  }

  function addButtons(item, buttons) {
    const group = document.createElement("div");
    group.className = "message__buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Możliwe odpowiedzi");
    for (const choice of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "reply-button";
      button.textContent = choice.title;
      button.addEventListener("click", () => {
        if (pending || group.dataset.used === "true") return;
        setGroupUsed(group, true);
        button.classList.add("is-chosen");
        if (finePointer) input.focus();
        send(choice.payload, choice.title, () => setGroupUsed(group, false));
      });
      group.append(button);
    }
    item.append(group);
  }

  function renderReplies(replies) {
    for (const reply of replies) {
      if (!reply || typeof reply !== "object") continue;
      const text = typeof reply.text === "string" ? reply.text : "";
      const buttons = Array.isArray(reply.buttons)
        ? reply.buttons.filter(
            (b) => b && typeof b.title === "string" && typeof b.payload === "string",
          )
        : [];
      if (!text && buttons.length === 0) continue;
      const item = addMessage("bot", text);
      if (buttons.length) addButtons(item, buttons);
    }
    scrollToEnd();
  }

  function showError(text) {
    errorBox.textContent = text || "";
  }

  function setBusy(busy) {
    pending = busy;
    typing.hidden = !busy;
    sendButton.setAttribute("aria-disabled", String(busy));
    conversation.setAttribute("aria-busy", String(busy));
    if (busy) scrollToEnd();
  }

  async function post(message) {
    const options = {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ session: sessionId(), message }),
      credentials: "same-origin",
      cache: "no-store",
    };
    if (typeof AbortSignal.timeout === "function") {
      options.signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    }
    let response;
    try {
      response = await fetch(API_PATH, options);
    } catch (_) {
      return { error: NETWORK_ERROR };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (response.ok && data && Array.isArray(data.replies)) return { replies: data.replies };
    if (data && typeof data.detail === "string") return { error: data.detail };
    return { error: SERVER_ERROR };
  }

  /** Send `message` (typed text or a button payload), showing `shown` as the user's bubble. */
  async function send(message, shown, onFail) {
    showError("");
    const bubble = addMessage("user", shown);
    setBusy(true);
    let result;
    try {
      result = await post(message);
    } finally {
      setBusy(false);
    }
    if (result.error) {
      bubble.remove();
      onFail();
      showError(result.error);
      return;
    }
    renderReplies(result.replies);
  }

  function submitTyped() {
    if (pending) return;
    const text = input.value.trim();
    if (!text) {
      showError(form.dataset.emptyText);
      input.focus();
      return;
    }
    // Count code points, as the server does (an emoji is one character, not two).
    if (Array.from(text).length > maxChars) {
      showError(form.dataset.tooLongText);
      input.focus();
      return;
    }
    input.value = "";
    input.focus();
    send(text, text, () => {
      if (!input.value) input.value = text;
      input.focus();
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitTyped();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    submitTyped();
  });

  input.addEventListener("input", () => {
    if (errorBox.textContent) showError("");
  });

  // Coordinator replies (hand-off) arrive later, outside any request: poll for them.
  const updatesPath = form.dataset.updatesPath;
  const POLL_MS = 5000;
  let lastUpdateId = 0;

  async function pollUpdates() {
    try {
      const query = `session=${encodeURIComponent(sessionId())}&after=${lastUpdateId}`;
      const response = await fetch(`${updatesPath}?${query}`, {
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        if (Array.isArray(data.messages) && data.messages.length) renderReplies(data.messages);
        if (Number.isInteger(data.last_id)) lastUpdateId = Math.max(lastUpdateId, data.last_id);
      }
    } catch (error) {
      // Offline for a moment: the next poll catches up, nothing is lost on the server.
    }
    window.setTimeout(pollUpdates, POLL_MS);
  }

  if (updatesPath) pollUpdates();

  form.dataset.ready = "true";
  if (finePointer) input.focus();
})();
