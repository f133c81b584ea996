// Kefu agent workspace: conversation list, message pane, customer panel.
// Everything a shopper or agent wrote is put into the page with textContent, never as HTML.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("ws-config").textContent);
  const T = config.strings;
  const L = config.labels;
  const $ = (id) => document.getElementById(id);
  const state = {
    view: "mine", items: [], current: null, cursor: null, messages: new Map(),
    phrases: [], phraseIndex: 0, fillingPhrase: false, pending: new Map(), socket: null, retry: 0,
    lastEventId: Number(sessionStorage.getItem("kefu.ws.last_event_id")) || null,
  };
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang, {
    timeZone: config.timezone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      // The page's language is the user's: refusals come back written for them in it.
      headers: { "Content-Type": "application/json", "X-CSRF-Token": config.csrf, "Accept-Language": document.documentElement.lang },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.error && data.error.message) || T.error);
    return data;
  }

  // A refusal or failure, shown in the page (read out by screen readers) until dismissed
  // or replaced; the text is the server's, put in as text.
  let problemTimer = null;
  function showProblem(message) {
    $("ws-problem-text").textContent = message || T.error;
    $("ws-problem").hidden = false;
    clearTimeout(problemTimer);
    problemTimer = setTimeout(() => { $("ws-problem").hidden = true; }, 10000);
  }

  // ---- conversation list -------------------------------------------------------------
  function filters() {
    const params = new URLSearchParams({ view: state.view, limit: "100" });
    for (const [key, id] of [["status", "ws-status"], ["skill", "ws-skill"], ["channel", "ws-channel"], ["tag", "ws-tag"], ["q", "ws-q"], ["emotion", "ws-emotion"]]) {
      const value = $(id).value.trim();
      if (value) params.set(key, value);
    }
    return params;
  }

  let listTimer = null;
  function reloadList(delay = 0) {
    clearTimeout(listTimer);
    listTimer = setTimeout(loadList, delay);
  }

  let listRequest = 0;
  async function loadList() {
    const mine = ++listRequest;  // a slower answer to an older filter must not win
    try {
      const page = await api("GET", `/api/v1/inbox?${filters()}`);
      if (mine !== listRequest) return;
      state.items = page.items;
      const fresh = state.current && page.items.find((i) => i.conversation.id === state.current.id);
      if (fresh && fresh.conversation.emotion !== state.current.emotion) {
        state.current.emotion = fresh.conversation.emotion;
        renderEmotion();
        loadEmotion();
      }
      renderList();
    } catch (error) {
      if (mine === listRequest) renderList(error.message);
    }
  }

  const baseTitle = document.title;
  function renderList(problem) {
    const unread = state.items.reduce((sum, item) => sum + item.unread, 0);
    document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
    const list = $("ws-items");
    list.replaceChildren();
    if (problem || !state.items.length) {
      list.append(el("li", "ws-items-empty", problem || T.empty_list));
    }
    for (const item of state.items) {
      const c = item.conversation;
      const row = el("li", "ws-item");
      row.dataset.id = c.id;
      row.tabIndex = 0;
      row.setAttribute("aria-current", state.current && state.current.id === c.id ? "true" : "false");
      const top = el("div", "ws-item-top");
      top.append(el("span", "avatar", item.name.slice(0, 1)), el("strong", "ws-item-name", item.name), emotionDot(c.emotion));
      if (item.unread) top.append(el("span", "ws-unread", item.unread));
      const bottom = el("div", "ws-item-bottom");
      bottom.append(el("span", "ws-preview", item.preview || T.no_messages));
      const meta = el("div", "ws-item-meta");
      meta.append(el("span", `badge badge-${statusTone(c.status)}`, L.status[c.status]));
      if (c.skill) meta.append(el("span", "badge badge-gray", L.skill[c.skill]));
      for (const tag of c.tags || []) meta.append(el("span", "badge badge-violet", tag));
      if (item.waiting_since) {
        const timer = el("span", "ws-timer");
        timer.dataset.since = item.waiting_since;
        meta.append(timer);
      }
      meta.append(el("span", "ws-when", c.last_message_at ? timeFormat.format(new Date(c.last_message_at)) : ""));
      row.append(top, bottom, meta);
      row.addEventListener("click", () => openConversation(c.id));
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") openConversation(c.id); });
      list.append(row);
    }
    tickTimers();
  }

  function statusTone(status) {
    return { open: "green", pending: "amber", snoozed: "violet", closed: "gray" }[status] || "gray";
  }

  // First-response timer: amber after the shop's first threshold, red after the second.
  function tickTimers() {
    for (const timer of document.querySelectorAll(".ws-timer")) {
      const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(timer.dataset.since)) / 1000));
      const minutes = Math.floor(seconds / 60);
      timer.textContent = `${T.waiting} ${minutes}:${String(seconds % 60).padStart(2, "0")}`;
      timer.classList.toggle("warn", seconds >= config.warn_seconds && seconds < config.alert_seconds);
      timer.classList.toggle("alert", seconds >= config.alert_seconds);
    }
  }

  // ---- one conversation ---------------------------------------------------------------
  async function openConversation(id) {
    const item = state.items.find((i) => i.conversation.id === id);
    state.current = item ? item.conversation : await api("GET", `/api/v1/conversations/${id}`);
    state.messages = new Map();
    state.cursor = null;
    showCheck(null, "");
    $("ws-placeholder").hidden = true;
    $("ws-chat").hidden = false;
    $("ws-title").textContent = item ? item.name : `#${id}`;
    renderHead();
    $("ws-messages").replaceChildren();
    await loadMessages();
    markRead();
    loadPanel();
    loadPhrases();
    for (const row of document.querySelectorAll(".ws-item")) {
      row.setAttribute("aria-current", String(Number(row.dataset.id) === id));
    }
    $("ws-input").focus();
  }

  // ---- the shopper's emotion (三色法则) ---------------------------------------------------
  function emotionDot(emotion) {
    const colour = emotion || "green";
    const dot = el("span", `ws-emotion-dot ws-emotion-${colour}`);
    dot.title = L.emotion[colour];
    dot.setAttribute("role", "img");
    dot.setAttribute("aria-label", L.emotion[colour]);
    return dot;
  }

  // The open conversation's shopper is red: a banner over the messages until they calm down.
  function renderEmotion() {
    const red = !!state.current && state.current.emotion === "red";
    $("ws-emotion-banner").hidden = !red;
  }

  // A notice over the page (a shopper turned red elsewhere, a coaching note) with a link.
  function showAlert(text, href, onOpen) {
    $("ws-alert-text").textContent = text;
    const link = $("ws-alert-link");
    link.href = href;
    link.onclick = onOpen ? (e) => { e.preventDefault(); $("ws-alert").hidden = true; onOpen(); } : null;
    $("ws-alert").hidden = false;
  }

  async function loadEmotion() {
    const slot = document.querySelector("#ws-panel .ws-emotion-slot");
    const c = state.current;
    if (!slot || !c) return;
    let data;
    try { data = await api("GET", `/api/v1/conversations/${c.id}/emotion`); } catch { return; }
    if (state.current !== c) return;
    const card = section(T.emotion_title);
    card.classList.add("ws-emotion-card");
    const now = el("p", "ws-emotion-now");
    now.append(emotionDot(data.emotion), document.createTextNode(" " + L.emotion[data.emotion]));
    card.append(now);
    const balance = data.account.balance;
    const account = el("p", "ws-account");
    account.append(el("strong", "", T.account), document.createTextNode(" "),
      el("span", `badge ${balance < 0 ? "badge-red" : balance > 0 ? "badge-green" : "badge-gray"}`, balance > 0 ? `+${balance}` : String(balance)));
    card.append(account, el("p", "muted ws-account-rule", T.account_rule));
    const history = el("ul", "ws-account-history");
    for (const entry of data.account.entries.slice(0, 5)) {
      const row = el("li", "");
      row.append(el("span", `badge ${entry.delta < 0 ? "badge-red" : "badge-green"}`, entry.delta > 0 ? `+${entry.delta}` : String(entry.delta)),
        el("span", "", ` ${entry.words.join("、")} · ${timeFormat.format(new Date(entry.created_at))}`));
      history.append(row);
    }
    if (history.childElementCount) card.append(history);
    const changes = el("ol", "ws-emotion-timeline");
    for (const change of data.changes.slice(-5)) {
      const row = el("li", "");
      row.append(emotionDot(change.emotion), el("span", "", ` ${timeFormat.format(new Date(change.created_at))} ${change.words.join("、")}`));
      changes.append(row);
    }
    if (changes.childElementCount) card.append(changes);
    slot.replaceChildren(card);
  }

  function renderHead() {
    renderEmotion();
    const c = state.current;
    $("ws-take").hidden = c.assigned_agent_id !== null || c.status === "closed";
    const sub = $("ws-sub");
    sub.replaceChildren(
      el("span", `badge badge-${statusTone(c.status)}`, L.status[c.status]),
      el("span", "", L.channel[c.channel] || c.channel),
      el("span", "", c.skill ? L.skill[c.skill] : ""),
      el("span", "", `#${c.id}`),
    );
  }

  async function loadMessages() {
    const c = state.current;
    const params = new URLSearchParams({ limit: "30" });
    if (state.cursor) params.set("cursor", state.cursor);
    const page = await api("GET", `/api/v1/conversations/${c.id}/messages?${params}`);
    if (state.current !== c) return;
    const box = $("ws-messages");
    const older = !!state.cursor;
    const height = box.scrollHeight;
    const nodes = page.items.slice().reverse().filter((m) => !state.messages.has(m.id)).map(messageNode);
    const more = box.querySelector(".ws-more");
    if (more) more.remove();
    box.prepend(...nodes);
    state.cursor = page.next_cursor;
    if (state.cursor) {
      const button = el("button", "btn btn-sm ws-more", T.load_earlier);
      button.type = "button";
      button.addEventListener("click", loadMessages);
      box.prepend(button);
    }
    if (!box.querySelector(".ws-msg")) box.append(el("div", "ws-none", T.no_messages));
    box.scrollTop = older ? box.scrollHeight - height : box.scrollHeight;
  }

  // A card as the widget shows it (docs/api.md: a product or an order), or one stored
  // with only a title and lines (as the workspace sent them before).
  function cardNode(payload) {
    const card = el("div", "ws-card");
    const [title, ...lines] = cardText(payload);
    card.append(el("strong", "", title || T.card));
    for (const line of lines) card.append(el("div", "ws-card-line", line));
    return card;
  }

  function cardText(payload) {
    const o = payload.order;
    const p = payload.product;
    if (o) {
      return [[o.order_no, o.status_label || o.status].filter(Boolean).join(" · "),
        ...[].concat(o.items || []).map((i) => (typeof i === "string" ? i : `${i.title} × ${i.quantity}`)),
        o.total_cents != null ? money(o.total_cents, o.currency) : null].filter(Boolean);
    }
    if (p) return [p.title, p.price_cents != null ? money(p.price_cents, p.currency) : null, p.sku].filter(Boolean);
    return [payload.title, ...(payload.lines || [])];
  }

  function messageNode(m) {
    state.messages.set(m.id, m);
    // The widget's stored greeting (and other automatic lines) is no person's reply.
    const side = m.sender_kind === "visitor" ? "in" : m.sender_kind === "bot" ? "auto" : "out";
    const node = el("div", `ws-msg ${side} kind-${m.kind}`);
    node.dataset.id = m.id;
    if (m.client_id) node.dataset.clientId = m.client_id;
    const bubble = el("div", "ws-bubble");
    if (m.kind === "note") bubble.append(el("div", "ws-note-label", T.note));
    if (side === "auto") bubble.append(el("div", "ws-note-label", m.payload && m.payload.greeting ? T.automatic : T.bot));
    if (m.kind === "card" && m.payload) bubble.append(cardNode(m.payload));
    // A shopper's e-mail: its subject above the text, its attachments (kept by the
    // server, downloaded with the agent's login) below. All of it is text, never markup.
    const mail = m.payload && m.payload.email;
    if (mail && mail.subject) bubble.append(el("div", "ws-mail-subject", mail.subject));
    if (m.body) bubble.append(el("div", "ws-text", m.body));
    if (mail && Array.isArray(mail.attachments) && mail.attachments.length) {
      const files = el("div", "ws-mail-files");
      for (const file of mail.attachments) {
        const link = el("a", "ws-mail-file", file.filename);
        link.href = `/api/v1/mail-attachments/${encodeURIComponent(file.id)}`;
        link.target = "_blank";
        link.rel = "noopener";
        files.append(link);
      }
      bubble.append(files);
    }
    const meta = el("div", "ws-msg-meta", timeFormat.format(new Date(m.created_at)));
    node.append(bubble, meta);
    return node;
  }

  function appendMessage(m) {
    if (!state.current || m.conversation_id !== state.current.id || state.messages.has(m.id)) return;
    const box = $("ws-messages");
    const none = box.querySelector(".ws-none");
    if (none) none.remove();
    const pending = m.client_id && box.querySelector(`[data-client-id="${CSS.escape(m.client_id)}"]`);
    const node = messageNode(m);
    if (pending) pending.replaceWith(node); else box.append(node);
    box.scrollTop = box.scrollHeight;
  }

  async function markRead() {
    if (!state.current) return;
    try {
      await api("POST", `/api/v1/conversations/${state.current.id}/read`, {});
      const item = state.items.find((i) => i.conversation.id === state.current.id);
      if (item && item.unread) { item.unread = 0; renderList(); }
    } catch { /* a read position is a nicety; the next open marks it */ }
  }

  // ---- sending, with retries of unacknowledged messages over the socket ----------------
  function send(body, kind, payload) {
    const c = state.current;
    if (!c) return;
    const frame = { type: "message", conversation_id: c.id, client_id: crypto.randomUUID(), body, kind, payload };
    state.pending.set(frame.client_id, frame);
    const box = $("ws-messages");
    const preview = messageNode({ id: `pending-${frame.client_id}`, conversation_id: c.id, client_id: frame.client_id,
      sender_kind: "agent", kind, body, payload, created_at: new Date().toISOString() });
    state.messages.delete(`pending-${frame.client_id}`);
    preview.classList.add("pending");
    preview.querySelector(".ws-msg-meta").textContent = T.sending;
    box.append(preview);
    box.scrollTop = box.scrollHeight;
    transmit(frame);
  }

  function transmit(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN && state.socket.ready) {
      state.socket.send(JSON.stringify(frame));
    }
  }

  function acknowledged(clientId) {
    state.pending.delete(clientId);
    const node = document.querySelector(`.ws-msg.pending[data-client-id="${CSS.escape(clientId)}"]`);
    if (node) node.classList.remove("pending");
  }

  function failed(frame) {
    if (!frame.client_id) return;
    const node = document.querySelector(`.ws-msg[data-client-id="${CSS.escape(frame.client_id)}"] .ws-msg-meta`);
    if (node) node.textContent = frame.message;
    const sent = state.pending.get(frame.client_id);
    if (frame.code !== "internal") state.pending.delete(frame.client_id);
    // A reply refused for a variable left in it comes back to an empty composer, the
    // variable selected: the agent replaces it and sends again without retyping.
    const input = $("ws-input");
    if (frame.code === "unfilled_variable" && sent && !input.value) {
      input.value = sent.body;
      selectGap(input, 0, input.value.length);
      showProblem(frame.message);
    }
  }

  // ---- realtime -------------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/agent`);
    state.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", last_event_id: state.lastEventId }));
    });
    socket.addEventListener("message", (e) => onFrame(socket, JSON.parse(e.data)));
    socket.addEventListener("close", () => {
      setLive(false);
      const wait = Math.min(15000, 500 * 2 ** state.retry++);
      setTimeout(connect, wait);
    });
  }

  function setLive(live) {
    $("ws-live").textContent = live ? T.connected : T.reconnecting;
    $("ws-live").classList.toggle("on", live);
  }

  function onFrame(socket, frame) {
    if (frame.type === "welcome") {
      socket.ready = true;
      state.retry = 0;
      setLive(true);
      state.lastEventId = frame.last_event_id;
      for (const pending of state.pending.values()) transmit(pending);  // same client_id: no duplicate
    } else if (frame.type === "event") {
      state.lastEventId = frame.id;
      sessionStorage.setItem("kefu.ws.last_event_id", String(frame.id));
      onEvent(frame.name, frame.data);
    } else if (frame.type === "ack") {
      acknowledged(frame.client_id);
    } else if (frame.type === "error") {
      if (frame.code === "session_ended") { location.reload(); return; }  // the server shows the login or the refusal
      if (frame.code === "unknown_stream" || frame.code === "stale_cursor") { state.lastEventId = null; reloadList(); }
      failed(frame);
    } else if (frame.type === "typing") {
      showTyping(frame);
    }
  }

  function onEvent(name, data) {
    if (name === "message.created") {
      const m = data.message;
      const open = state.current && state.current.id === m.conversation_id;
      appendMessage(m);
      if (m.client_id) acknowledged(m.client_id);
      if (m.sender_kind === "visitor") {
        const seen = open && !document.hidden && document.hasFocus();
        if (open && !document.hidden) markRead();
        if (open) loadSuggestions();
        if (!seen) notify(m);
      }
      reloadList(300);
    } else if (name === "emotion.red") {
      if (state.current && state.current.id === data.conversation_id) {
        state.current.emotion = "red";
        renderEmotion();
        loadEmotion();
      }
      showAlert(T.emotion_red_alert.replace("%(id)s", data.conversation_id), `/workspace?conversation=${data.conversation_id}`,
        () => openConversation(data.conversation_id));
      reloadList(300);
    } else if (name === "coaching.created") {
      showAlert(T.coaching_new.replace("%(author)s", data.author), `/quality/scorecards/${data.scorecard_id}#coaching`);
    } else if (name.startsWith("conversation.")) {
      if (state.current && data.conversation.id === state.current.id) {
        Object.assign(state.current, data.conversation);
        renderHead();
      }
      reloadList(300);
    }
  }

  let typingTimer = null;
  function showTyping(frame) {
    if (!state.current || frame.conversation_id !== state.current.id || frame.sender_kind !== "visitor") return;
    const box = $("ws-typing");
    box.textContent = T.typing;
    box.hidden = !frame.typing;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  let lastTyping = 0;
  function sendTyping() {
    if (!state.current || !state.socket || !state.socket.ready || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    state.socket.send(JSON.stringify({ type: "typing", conversation_id: state.current.id, typing: true }));
  }

  // A shopper's message the agent is not looking at (another conversation, or the tab is
  // hidden or unfocused): a system notification and a short chime. One AudioContext for
  // the page, as browsers cap how many a page may open.
  let audio = null;
  function notify(m) {
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification(T.new_message, { body: m.kind === "text" ? m.body.slice(0, 80) : T.card, tag: `kefu-${m.conversation_id}` });
    }
    try {
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch { /* no audio device */ }
  }

  // ---- quick phrases: "/shortcut" completion ------------------------------------------
  async function loadPhrases() {
    const c = state.current;
    const phrases = await api("GET", `/api/v1/quick-phrases?conversation_id=${c.id}`).catch(() => []);
    if (state.current !== c) return;
    state.phrases = phrases;
    updatePhrases();  // the agent may have typed "/" before they arrived
  }

  // "/" opens the phrases at the start, after a space, or after Chinese punctuation
  // ("好的，/hi": Chinese has no spaces); not inside a word or a link ("a.cn/x").
  function phraseQuery() {
    const input = $("ws-input");
    const before = input.value.slice(0, input.selectionStart);
    const match = before.match(/(?:^|[\s\u3000-\u303f\uff00-\uffef])\/([\w\u4e00-\u9fff-]*)$/);
    return match ? match[1].toLowerCase() : null;
  }

  function updatePhrases() {
    const query = phraseQuery();
    const list = $("ws-phrases");
    if (query === null) { list.hidden = true; return; }
    const found = state.phrases.filter((p) => p.shortcut.startsWith(query) || p.body.includes(query)).slice(0, 8);
    state.phraseIndex = Math.min(state.phraseIndex, Math.max(0, found.length - 1));
    list.replaceChildren();
    if (!found.length) list.append(el("li", "ws-phrase-none", T.no_phrase));
    found.forEach((p, i) => {
      const row = el("li", "ws-phrase");
      row.setAttribute("role", "option");
      row.setAttribute("aria-selected", String(i === state.phraseIndex));
      row.append(el("code", "", `/${p.shortcut}`), el("span", "badge badge-gray", L.folder[p.folder]), el("span", "ws-phrase-text", p.filled || p.body));
      row.addEventListener("mousedown", (e) => { e.preventDefault(); pickPhrase(p); });
      list.append(row);
    });
    list.found = found;
    list.hidden = false;
  }

  // A shop phrase may be under an A/B test: the server picks the conversation's variant
  // (always the same one there) and records the use; offline, the phrase's own text.
  async function phraseText(phrase) {
    const local = phrase.filled || phrase.body;
    if (phrase.agent_id) return local;
    const path = `/api/v1/conversations/${state.current.id}/quick-phrases/${phrase.id}/use`;
    const used = await api("POST", path).catch(() => null);
    return used ? used.text : local;
  }

  // A variable with no value here (a shopper who gave no name) stays as "{客户昵称}": the
  // first one between start and end is selected, so what the agent types replaces it (the
  // server refuses a reply that still holds one, naming the first); other braces, such as
  // a "{M}" size, are the agent's words. With none, the caret goes to end.
  const variable = new RegExp(`\\{(?:${config.variables.join("|")})\\}`);
  function selectGap(input, start, end) {
    const gap = input.value.slice(start, end).match(variable);
    input.selectionStart = gap ? start + gap.index : end;
    input.selectionEnd = gap ? start + gap.index + gap[0].length : end;
    input.focus();
  }

  async function pickPhrase(phrase) {
    $("ws-phrases").hidden = true;
    // Filling takes a request: an Enter (or Send) meanwhile must not send the bare "/hi".
    state.fillingPhrase = true;
    let text;
    try { text = await phraseText(phrase); } finally { state.fillingPhrase = false; }
    const input = $("ws-input");
    const start = input.selectionStart;
    const before = input.value.slice(0, start).replace(/\/[\w\u4e00-\u9fff-]*$/, "");
    input.value = before + text + input.value.slice(start);
    selectGap(input, before.length, before.length + text.length);
    scheduleCheck();
  }

  // ---- the reply check while the agent types ------------------------------------------
  // A debounced POST /api/v1/quality/check: flagged words marked in a copy of the draft,
  // each finding with its reason and tip, the rewrite with a one-click "use rewrite"; a
  // code the shop blocks disables Send with the reason. Everything is put in as text.
  const chinese = document.documentElement.lang.startsWith("zh");
  const quality = { timer: null, request: 0, checked: null, blocked: null };

  function scheduleCheck() {
    clearTimeout(quality.timer);
    quality.timer = setTimeout(checkDraft, 400);
  }

  function lastShopperMessage() {
    let last = null;
    for (const m of state.messages.values()) {
      if (m.sender_kind === "visitor" && m.kind === "text" && (!last || m.id > last.id)) last = m;
    }
    return last ? last.body : null;
  }

  async function checkDraft() {
    clearTimeout(quality.timer);
    const mine = ++quality.request;  // a slower answer to an older draft must not win
    const text = $("ws-input").value;
    if (!text.trim() || $("ws-note").checked || !state.current) { showCheck(null, text); return; }
    let result = null;
    try {
      result = await api("POST", "/api/v1/quality/check", { text, context: lastShopperMessage() });
    } catch { /* the check is advice; the server still refuses a blocked reply */ }
    if (mine === quality.request) showCheck(result, text);
  }

  function markedDraft(text, findings) {
    // Offsets count Unicode code points, as Python does; Array.from splits the same way.
    const chars = Array.from(text);
    const spans = findings.flatMap((f) => f.spans).sort((a, b) => a.start - b.start || b.end - a.end);
    const marked = el("p", "ws-quality-marked");
    let at = 0;
    for (const span of spans) {
      if (span.start < at) continue;
      marked.append(document.createTextNode(chars.slice(at, span.start).join("")), el("mark", "", chars.slice(span.start, span.end).join("")));
      at = span.end;
    }
    marked.append(document.createTextNode(chars.slice(at).join("")));
    return marked;
  }

  function showCheck(result, text) {
    const box = $("ws-quality");
    const sendButton = $("ws-send");
    quality.checked = text;
    quality.blocked = null;
    sendButton.disabled = false;
    sendButton.removeAttribute("title");
    box.replaceChildren();
    if (!result || !result.findings.length) { box.hidden = true; return; }
    box.classList.toggle("blocked", result.blocked);
    box.append(el("div", "ws-quality-head", result.blocked ? T.quality_blocked : T.quality_warn), markedDraft(text, result.findings));
    const list = el("ul", "ws-quality-list");
    for (const f of result.findings) {
      const row = el("li", "ws-finding");
      row.dataset.code = f.code;
      row.append(
        el("span", `badge badge-${f.blocking ? "red" : "amber"}`, chinese ? f.label_zh : f.label_en),
        el("span", "ws-finding-why", chinese ? f.why_zh : f.why_en),
        el("span", "ws-finding-tip", chinese ? f.tip_zh : f.tip_en),
      );
      list.append(row);
    }
    box.append(list);
    if (result.rewrite) {
      const rewrite = el("div", "ws-rewrite");
      const use = el("button", "btn btn-sm", T.use_rewrite);
      use.type = "button";
      use.addEventListener("click", () => {
        $("ws-input").value = result.rewrite;
        $("ws-input").focus();
        checkDraft();
      });
      rewrite.append(el("span", "ws-rewrite-label", T.rewrite), el("span", "ws-rewrite-text", result.rewrite), use);
      box.append(rewrite);
    }
    if (result.blocked) {
      const codes = result.findings.filter((f) => f.blocking).map((f) => (chinese ? f.label_zh : f.label_en));
      quality.blocked = `${T.quality_blocked}: ${codes.join(", ")}`;
      sendButton.disabled = true;
      sendButton.title = quality.blocked;
    }
    box.hidden = false;
  }

  // ---- customer panel -----------------------------------------------------------------
  const money = (cents, currency) => new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: currency || "CNY" }).format(cents / 100);

  async function loadPanel() {
    const c = state.current;
    const panel = $("ws-panel");
    let data;
    try { data = await api("GET", `/api/v1/conversations/${c.id}/panel`); } catch (error) { panel.replaceChildren(el("p", "muted", error.message)); return; }
    if (state.current !== c) return;
    panel.replaceChildren(el("div", "", ""), profileCard(data), el("div", "ws-emotion-slot"), verifyCard(data), ordersCard(data), casesCard(data));
    if (data.past_conversations.length) panel.append(pastCard(data));
    loadSuggestions();
    loadEmotion();
  }

  // Agent assist: FAQ answers for the customer's last message, variables filled; "use"
  // puts one in the composer to edit and send. The panel's first slot holds them.
  async function loadSuggestions() {
    const c = state.current;
    let data;
    try { data = await api("GET", `/api/v1/conversations/${c.id}/suggestions`); } catch (error) { return; }
    if (state.current !== c) return;
    const slot = $("ws-panel").firstChild;
    if (!slot) return;
    if (!data.suggestions.length) { slot.replaceChildren(); return; }
    const card = section(T.suggestions);
    card.classList.add("ws-suggestions");
    for (const s of data.suggestions) {
      const row = el("div", "ws-suggestion");
      const use = el("button", "btn btn-sm", T.use);
      use.type = "button";
      use.addEventListener("click", () => { const input = $("ws-input"); input.value = s.answer; input.focus(); });
      row.append(el("strong", "", s.question), el("p", "", s.answer), use);
      card.append(row);
    }
    slot.replaceChildren(card);
  }

  function section(title) {
    const card = el("section", "ws-card-block");
    card.append(el("h3", "", title));
    return card;
  }

  function profileCard(data) {
    const card = section(T.profile);
    const customer = data.customer;
    if (!customer) {
      if (data.visitor_name) card.append(el("strong", "", data.visitor_name));
      card.append(el("p", "muted", T.no_customer));
      return card;
    }
    const head = el("div", "ws-profile");
    head.append(el("span", "avatar avatar-lg", (customer.nickname || customer.name || "?").slice(0, 1)));
    const who = el("div");
    who.append(el("strong", "", customer.nickname || customer.name));
    if (data.returning) who.append(el("span", "badge badge-blue ws-returning", T.returning));
    head.append(who);
    card.append(head);
    const facts = el("dl", "ws-facts");
    for (const [label, value] of [["☎", customer.phone], ["✉", customer.email], ["★", customer.member_level]]) {
      if (value) facts.append(el("dt", "", label), el("dd", "", value));
    }
    card.append(facts);
    const summary = data.summary;
    if (summary) {
      const value = el("dd", "", `${money(summary.lifetime_value_cents)} · ${T.lifetime_value}`);
      facts.append(el("dt", "", "¥"), value);
    }
    const tags = el("div", "ws-tags");
    if (customer.customer_type) tags.append(el("span", "badge badge-blue", L.customer_type[customer.customer_type]));
    for (const habit of summary ? summary.behaviours : []) tags.append(el("span", "badge badge-amber", L.behaviour[habit]));
    for (const tag of customer.tags || []) tags.append(el("span", "badge badge-violet", tag));
    card.append(tags);
    const more = el("a", "ws-customer-link", T.customer_page);
    more.href = `/customers/${customer.id}`;
    card.append(more);
    if (customer.note) card.append(el("p", "ws-customer-note", customer.note));
    return card;
  }

  function verifyCard(data) {
    const card = section(T.verify_title);
    const result = data.conversation.verification || { checks: {} };
    const form = el("form", "ws-verify");
    for (const item of ["address", "phone", "spec"]) {
      const label = el("label", "ws-check");
      const box = el("input");
      box.type = "checkbox";
      box.name = item;
      box.checked = !!result.checks[item];
      label.append(box, document.createTextNode(" " + T[`verify_${item}`]));
      form.append(label);
    }
    const save = el("button", "btn btn-sm", T.verify_save);
    save.type = "submit";
    const status = el("span", "ws-verify-status", result.by ? `${T.verified_by} ${result.by}` : "");
    form.append(save, status);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const checks = Object.fromEntries([...form.querySelectorAll("input")].map((b) => [b.name, b.checked]));
      try {
        const saved = await api("PUT", `/api/v1/conversations/${state.current.id}/verification`, { checks });
        status.textContent = `${T.saved} · ${T.verified_by} ${saved.verification.by}`;
      } catch (error) { status.textContent = error.message; }
    });
    card.append(form);
    return card;
  }

  function ordersCard(data) {
    const card = section(T.orders_title);
    if (!data.orders.length) card.append(el("p", "muted", T.no_orders));
    for (const order of data.orders) {
      const box = el("div", "ws-order");
      const head = el("div", "ws-order-head");
      head.append(el("code", "", order.external_id), el("span", "badge badge-blue", L.order[order.status] || order.status), el("strong", "", money(order.total_cents, order.currency)));
      box.append(head);
      for (const line of order.lines) box.append(el("div", "ws-order-line", `${line.title} × ${line.quantity}`));
      for (const shipment of order.shipments) {
        box.append(el("div", "ws-ship", `${shipment.carrier} ${shipment.tracking_no} · ${L.shipment[shipment.status] || shipment.status}`));
        const timeline = el("ol", "ws-timeline");
        for (const event of shipment.events.slice().reverse().slice(0, 4)) {
          const step = el("li");
          step.append(el("span", "ws-when", timeFormat.format(new Date(event.at))), el("span", "", event.description));
          timeline.append(step);
        }
        box.append(timeline);
      }
      const cardButton = el("button", "btn btn-sm", T.send_card);
      cardButton.type = "button";
      // The card in the shape the widget renders (docs/api.md), its status in words.
      cardButton.addEventListener("click", () => send(order.external_id, "card", { type: "order", order: {
        order_no: order.external_id, status: order.status, status_label: L.order[order.status] || order.status,
        total_cents: order.total_cents, currency: order.currency,
        items: order.lines.map((l) => ({ title: l.title, quantity: l.quantity })),
      } }));
      box.append(cardButton);
      if (order.lines[0] && order.lines[0].product_id) {
        const product = order.lines[0];
        const productButton = el("button", "btn btn-sm", `${T.send_card}: ${product.title}`.slice(0, 40));
        productButton.type = "button";
        productButton.addEventListener("click", () => send(product.title, "card", { type: "product", product: {
          title: product.title, price_cents: product.unit_price_cents, currency: order.currency, sku: product.sku,
        } }));
        box.append(productButton);
      }
      card.append(box);
    }
    return card;
  }

  function pastCard(data) {
    const card = section(T.past);
    const list = el("ul", "ws-past");
    for (const past of data.past_conversations) {
      const row = el("li");
      row.append(el("span", "ws-when", timeFormat.format(new Date(past.created_at))), el("span", "", past.summary || L.status[past.status]));
      list.append(row);
    }
    card.append(list);
    return card;
  }

  // After-sales: open a case from this conversation, about one of the customer's order
  // lines if chosen (the dialog's list is filled with them); a link to the case follows.
  function casesCard(data) {
    const card = section(T.cases_title);
    const lines = $("k-line");
    lines.replaceChildren(lines.options[0]);
    for (const order of data.orders) {
      for (const line of order.lines) lines.append(new Option(`${order.external_id} · ${line.title} × ${line.quantity}`, line.id));
    }
    const button = el("button", "btn btn-sm", T.open_case);
    button.type = "button";
    button.id = "ws-open-case";
    button.addEventListener("click", () => $("dlg-case").showModal());
    card.append(button, el("div", "ws-opened-cases"));
    return card;
  }

  async function openCase(id, values) {
    const body = { type: values.type, title: values.title, priority: values.priority, conversation_id: id };
    if (values.order_line_id) body.order_line_id = Number(values.order_line_id);
    const created = await api("POST", "/api/v1/cases", body);
    const link = el("a", "", T.case_opened.replace("%(number)s", created.number));
    link.href = `/cases/${created.id}`;
    const slot = document.querySelector("#ws-panel .ws-opened-cases");
    if (slot) slot.append(link);
  }

  // ---- dialogs: transfer, snooze, close, case ------------------------------------------
  for (const button of document.querySelectorAll("[data-dialog]")) {
    button.addEventListener("click", () => $(`dlg-${button.dataset.dialog}`).showModal());
  }
  for (const dialog of document.querySelectorAll(".ws-dialog")) {
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "ok" || !state.current) return;
      const form = dialog.querySelector("form");
      const values = Object.fromEntries(new FormData(form));
      const id = state.current.id;
      try {
        if (form.dataset.action === "transfer") {
          await api("POST", `/api/v1/conversations/${id}/assign`, {
            agent_id: values.agent_id ? Number(values.agent_id) : null,
            team_id: values.team_id ? Number(values.team_id) : null, note: values.note || null,
          });
        } else if (form.dataset.action === "case") {
          await openCase(id, values);
          form.reset();
          return;
        } else if (form.dataset.action === "snooze") {
          await api("POST", `/api/v1/conversations/${id}/snooze`, { until: new Date(values.until).toISOString() });
        } else {
          await api("POST", `/api/v1/conversations/${id}/close`, { summary: values.summary || null, disposition: values.disposition });
        }
        form.reset();
        reloadList();
      } catch (error) { showProblem(error.message); }
    });
  }

  $("ws-take").addEventListener("click", async () => {
    try {
      Object.assign(state.current, await api("POST", `/api/v1/conversations/${state.current.id}/assign`, { agent_id: config.agent_id }));
      renderHead();
      reloadList();
    } catch (error) { showProblem(error.message); }
  });

  // ---- keys and wiring -----------------------------------------------------------------
  function move(step) {
    if (!state.items.length) return;
    const index = state.items.findIndex((i) => state.current && i.conversation.id === state.current.id);
    const next = state.items[Math.max(0, Math.min(state.items.length - 1, index + step))];
    if (next) openConversation(next.conversation.id);
  }

  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") { e.preventDefault(); $("ws-q").focus(); $("ws-q").select(); }
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) { e.preventDefault(); move(e.key === "ArrowUp" ? -1 : 1); }
  });

  $("ws-input").addEventListener("keydown", (e) => {
    const list = $("ws-phrases");
    if (!list.hidden && list.found && list.found.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        state.phraseIndex = (state.phraseIndex + (e.key === "ArrowDown" ? 1 : -1) + list.found.length) % list.found.length;
        updatePhrases();
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pickPhrase(list.found[state.phraseIndex]); return; }
      if (e.key === "Escape") { list.hidden = true; return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("ws-composer").requestSubmit(); }
  });
  $("ws-input").addEventListener("input", () => { state.phraseIndex = 0; updatePhrases(); sendTyping(); scheduleCheck(); });
  // AI 润色 and AI 起草: the optional LLM rephrases the agent's draft or drafts a whole
  // reply; the agent reads it in the composer and sends it themselves (nothing is sent
  // from here). A refusal (not configured, unreachable, busy) shows as a problem and
  // leaves the composer as it was; so does an answer arriving after the agent typed on.
  async function askAssistant(button, action, body, busyLabel) {
    const c = state.current;
    if (!c) return;
    const before = $("ws-input").value;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = busyLabel;
    try {
      const data = await api("POST", `/api/v1/conversations/${c.id}/${action}`, body);
      if (state.current === c && $("ws-input").value === before) {
        $("ws-input").value = data.text;
        $("ws-input").focus();
        checkDraft();
      }
    } catch (error) {
      showProblem(error.message);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }
  const rephraseButton = $("ws-rephrase");
  if (rephraseButton) {
    rephraseButton.addEventListener("click", () => {
      const draft = $("ws-input").value.trim();
      if (!draft) { showProblem(T.rephrase_empty); return; }
      askAssistant(rephraseButton, "rephrase", { text: draft }, T.rephrasing);
    });
  }
  const draftButton = $("ws-draft");
  if (draftButton) draftButton.addEventListener("click", () => askAssistant(draftButton, "draft", {}, T.drafting));
  $("ws-note").addEventListener("change", () => { $("ws-composer").classList.toggle("noting", $("ws-note").checked); checkDraft(); });
  $("ws-composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = $("ws-input").value.trim();
    if (!body || state.fillingPhrase) return;
    if (quality.checked !== $("ws-input").value) await checkDraft();  // typed and sent at once
    if (quality.blocked) { showProblem(quality.blocked); return; }
    send(body, $("ws-note").checked ? "note" : "text", null);
    $("ws-input").value = "";
    $("ws-phrases").hidden = true;
    showCheck(null, "");
  });
  for (const tab of document.querySelectorAll("[data-view]")) {
    tab.addEventListener("click", () => {
      state.view = tab.dataset.view;
      for (const other of document.querySelectorAll("[data-view]")) other.setAttribute("aria-selected", String(other === tab));
      reloadList();
    });
  }
  for (const id of ["ws-status", "ws-skill", "ws-channel", "ws-emotion"]) $(id).addEventListener("change", () => reloadList());
  for (const id of ["ws-q", "ws-tag"]) $(id).addEventListener("input", () => reloadList(350));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) markRead(); });
  document.addEventListener("click", () => {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }, { once: true });

  $("ws-problem-close").addEventListener("click", () => { $("ws-problem").hidden = true; });
  $("ws-alert-close").addEventListener("click", () => { $("ws-alert").hidden = true; });

  setInterval(tickTimers, 1000);
  setInterval(() => reloadList(), 60000);  // snoozed conversations come back when their time comes
  loadList();
  connect();
  // /workspace?conversation=ID (a report's drill-down links so) opens that conversation.
  const asked = Number(new URLSearchParams(location.search).get("conversation"));
  if (Number.isInteger(asked) && asked > 0) openConversation(asked).catch((error) => showProblem(error.message));
})();
