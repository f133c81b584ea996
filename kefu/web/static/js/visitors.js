// Kefu live visitors: the list from the API, then one row updated per page view as the
// agent WebSocket brings "visitor.activity" frames. What a shopper's browser reported
// (titles, URLs, names) is put into the page with textContent, never as HTML.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("vs-config").textContent);
  const T = config.strings;
  const $ = (id) => document.getElementById(id);
  const visitors = new Map(); // visitor_id → {visitor, since: ms when the page was opened, local clock}
  let retry = 0;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function money(cents) {
    if (cents === null || cents === undefined) return "—";
    const symbol = config.currency === "CNY" ? "¥" : `${config.currency} `;
    return symbol + (cents / 100).toFixed(2);
  }

  function elapsed(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const m = Math.floor(s / 60);
    return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `0:${String(s).padStart(2, "0")}`;
  }

  // The server says how long the shopper has been on the page; counting on from the local
  // clock keeps the figure right whatever the two clocks think of each other.
  function remember(visitor) {
    const since = Date.now() - (visitor.seconds_on_page || 0) * 1000;
    visitors.set(visitor.visitor_id, { visitor, since });
  }

  function row(entry) {
    const v = entry.visitor;
    const tr = el("tr", "vs-row");
    tr.dataset.visitor = v.visitor_id;
    const who = el("td");
    who.dataset.label = T.visitor;
    who.append(el("div", "cell-main", v.name || `${T.visitor} ${v.visitor_id.slice(0, 6)}`));
    const badges = el("div", "cell-sub");
    badges.append(el("span", `badge ${v.returning ? "badge-blue" : "badge-green"}`, v.returning ? T.returning : T.new));
    if (v.customer_id) badges.append(" ", el("span", "badge plain", T.signed_in));
    who.append(badges);
    const page = el("td");
    page.append(el("div", "cell-main", v.page_title || v.current_page || "—"));
    if (v.current_page) page.append(el("div", "cell-sub mono", v.current_page));
    const time = el("td", "num vs-time", elapsed((Date.now() - entry.since) / 1000));
    tr.append(who, page, el("td", "mono", v.product_id || "—"), time, el("td", "num", money(v.cart_value_cents)));
    return tr;
  }

  function render() {
    const entries = [...visitors.values()].sort((a, b) => b.visitor.last_seen_at.localeCompare(a.visitor.last_seen_at));
    $("vs-rows").replaceChildren(...entries.map(row));
    $("vs-empty").hidden = entries.length > 0;
    $("vs-empty").textContent = T.empty;
  }

  function tick() {
    for (const tr of $("vs-rows").children) {
      const entry = visitors.get(tr.dataset.visitor);
      if (entry) tr.querySelector(".vs-time").textContent = elapsed((Date.now() - entry.since) / 1000);
    }
  }

  async function load() {
    const response = await fetch(`/api/v1/visitors/live?minutes=${config.minutes}`, { credentials: "same-origin" });
    if (!response.ok) { $("vs-empty").hidden = false; $("vs-empty").textContent = T.error; return; }
    visitors.clear();
    for (const visitor of (await response.json()).items) remember(visitor);
    render();
  }

  function setLive(live) {
    $("vs-live").textContent = live ? T.connected : T.reconnecting;
    $("vs-live").classList.toggle("on", live);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/agent`);
    // No cursor: stored events are the workspace's business; this page wants what happens now.
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", last_event_id: null })));
    socket.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === "welcome") {
        retry = 0;
        setLive(true);
        load(); // whatever happened while the socket was away
      } else if (frame.type === "visitor.activity") {
        remember(frame.visitor);
        render();
      }
    });
    socket.addEventListener("close", () => {
      setLive(false);
      setTimeout(connect, Math.min(15000, 500 * 2 ** retry++));
    });
  }

  setInterval(tick, 1000);
  connect();
})();
