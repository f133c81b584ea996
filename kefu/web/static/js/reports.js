// Kefu reports: KPI cards, live now, the funnel, a KPI's trend, the staffing heatmap and
// the agent leaderboard, each read from the report API with the page's filters (the
// config's query string) and drawn with ECharts. Names (agents, teams) go in as text.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("rp-config").textContent);
  const T = config.strings;
  const $ = (id) => document.getElementById(id);
  const KPI = Object.fromEntries(config.kpis.map((k) => [k.code, k]));
  const BOARD = ["conversations", "first_response_seconds", "fast_response_rate", "fcr_rate",
    "csat", "conversion_rate", "revenue_cents", "qa_score"];
  const charts = [];
  const number = new Intl.NumberFormat(document.documentElement.lang);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(href, text, className) {
    const a = el("a", className, text);
    a.href = href;
    return a;
  }

  function query(extra) {
    const params = new URLSearchParams(config.query);
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    return params.toString();
  }

  function drill(kind, extra) {
    return `/reports/drilldown?${query({ kind, ...extra })}`;
  }

  async function api(path, extra) {
    const response = await fetch(`/api/v1/reports/${path}?${query(extra)}`, {
      credentials: "same-origin",
      headers: { "Accept-Language": document.documentElement.lang },
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && data.error && data.error.message) || T.error);
    return data;
  }

  function showProblem(error) {
    $("rp-problem").textContent = error.message || T.error;
    $("rp-problem").hidden = false;
  }

  function money(cents) {
    const symbol = config.currency === "CNY" ? "¥" : `${config.currency} `;
    return symbol + (cents / 100).toLocaleString(document.documentElement.lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return `${s} ${T.seconds}`;
    const m = Math.floor(s / 60);
    return s % 60 ? `${m} ${T.minutes} ${s % 60} ${T.seconds}` : `${m} ${T.minutes}`;
  }

  function figure(value, unit) {
    if (value === null || value === undefined) return "—";
    switch (unit) {
      case "seconds": return duration(value);
      case "ratio": return `${(value * 100).toFixed(1)}%`;
      case "cents": return money(value);
      case "stars": return value.toFixed(2);
      case "score": return value.toFixed(1);
      default: return number.format(value);
    }
  }

  // A change is good when it goes the KPI's better way: down for times and complaint rates.
  function changeNode(change, lowerIsBetter) {
    if (change === null || change === undefined) return el("span", "rp-change", "");
    const better = change === 0 ? null : (change < 0) === lowerIsBetter;
    const tone = better === null ? "" : better ? " rp-good" : " rp-bad";
    const arrow = change > 0 ? "▲" : change < 0 ? "▼" : "";
    return el("span", `rp-change${tone}`, `${arrow} ${(Math.abs(change) * 100).toFixed(1)}%`);
  }

  function chart(id) {
    const found = echarts.init($(id));
    charts.push(found);
    return found;
  }

  // ---- KPI cards ------------------------------------------------------------------------
  async function loadOverview() {
    const data = await api("overview");
    const cards = data.kpis.map((k) => {
      const meta = KPI[k.code];
      const card = link(drill(meta.drill), null, "card rp-kpi");
      card.dataset.kpi = k.code;
      card.append(el("div", "stat-label", meta.name));
      card.append(el("div", "stat-value", figure(k.value, k.unit)));
      const note = el("div", "stat-note");
      note.append(changeNode(k.change, meta.lower_is_better), ` ${T.previous}: ${figure(k.previous_value, k.unit)}`);
      card.append(note);
      return card;
    });
    $("rp-kpis").replaceChildren(...cards);
  }

  // ---- live now -------------------------------------------------------------------------
  async function loadLive() {
    const live = await api("live");
    $("rp-queued").textContent = number.format(live.queued);
    $("rp-wait").textContent = live.queued ? duration(live.longest_wait_seconds) : "—";
    $("rp-online").textContent = number.format(live.agents_online);
    const rows = live.agents.map((a) => {
      const tr = el("tr");
      tr.append(el("td", "cell-main", a.name));
      const status = el("td");
      status.append(el("span", `dot dot-${a.presence}`), ` ${T[a.presence] || a.presence}`);
      tr.append(status, el("td", "num", `${a.open_chats} / ${a.max_chats}`));
      return tr;
    });
    if (!rows.length) {
      const tr = el("tr");
      const td = el("td", "muted", T.nobody);
      td.colSpan = 3;
      tr.append(td);
      rows.push(tr);
    }
    $("rp-live-agents").replaceChildren(...rows);
  }

  // ---- funnel ---------------------------------------------------------------------------
  async function loadFunnel() {
    const data = await api("funnel");
    $("rp-funnel-rows").replaceChildren(...data.steps.map((s) => {
      const tr = el("tr");
      tr.dataset.step = s.step;
      const name = el("td");
      name.append(link(drill(s.kind), config.steps[s.step]));
      tr.append(name, el("td", "num", number.format(s.count)), el("td", "num", figure(s.rate, "ratio")));
      return tr;
    }));
    const funnel = chart("rp-funnel-chart");
    funnel.setOption({
      tooltip: { trigger: "item", formatter: (p) => `${p.name}: ${number.format(p.value)}` },
      series: [{
        type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "8%", gap: 2,
        label: { show: true, position: "inside", formatter: (p) => `${p.name} ${number.format(p.value)}` },
        data: data.steps.map((s) => ({ name: config.steps[s.step], value: s.count, kind: s.kind })),
      }],
    });
    funnel.on("click", (p) => { window.location.href = drill(p.data.kind); });
  }

  // ---- trend ----------------------------------------------------------------------------
  let trendChart = null;
  async function loadTrend() {
    const code = $("rp-trend-kpi").value;
    const meta = KPI[code];
    for (const a of document.querySelectorAll("[data-export=trends]")) {
      const url = new URL(a.href, window.location.href);
      url.searchParams.set("kpi", code);
      a.href = url.pathname + url.search;
    }
    const data = await api("trends", { kpi: code });
    trendChart = trendChart || chart("rp-trend-chart");
    trendChart.setOption({
      grid: { left: 64, right: 24, top: 24, bottom: 32 },
      tooltip: { trigger: "axis", valueFormatter: (v) => figure(v, meta.unit) },
      xAxis: { type: "category", data: data.points.map((p) => p.day.slice(5)) },
      yAxis: { type: "value", axisLabel: { formatter: (v) => figure(v, meta.unit) } },
      series: [{ type: "line", name: meta.name, smooth: true, connectNulls: false, data: data.points.map((p) => p.value) }],
    }, true);
    trendChart.off("click");
    trendChart.on("click", (p) => {
      const day = data.points[p.dataIndex].day;
      window.location.href = drill(meta.drill, { start: day, end: day });
    });
  }

  // ---- heatmap --------------------------------------------------------------------------
  async function loadHeatmap() {
    const data = await api("heatmap");
    const cells = [];
    let most = 0;
    data.counts.forEach((hours, weekday) => hours.forEach((n, hour) => {
      cells.push([hour, weekday, n]);
      most = Math.max(most, n);
    }));
    chart("rp-heatmap-chart").setOption({
      grid: { left: 56, right: 24, top: 16, bottom: 72 },
      tooltip: { formatter: (p) => `${config.weekdays[p.value[1]]} ${p.value[0]}:00 · ${T.conversations} ${p.value[2]}` },
      xAxis: { type: "category", data: [...Array(24).keys()].map((h) => `${h}`), splitArea: { show: true } },
      yAxis: { type: "category", data: config.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(most, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ type: "heatmap", data: cells, label: { show: false } }],
    });
  }

  // ---- leaderboard ----------------------------------------------------------------------
  async function loadBoard() {
    const sort = $("rp-agents-sort").value;
    const data = await api("agents", { sort, order: KPI[sort].lower_is_better ? "asc" : "desc" });
    $("rp-agents-head").replaceChildren(el("th", null, T.agent), ...BOARD.map((code) => el("th", "num", KPI[code].name)));
    $("rp-agents-rows").replaceChildren(...data.items.map((row) => {
      const tr = el("tr");
      const name = el("td", "cell-main");
      name.append(link(drill("first_response", { agent_id: row.agent_id }), row.name));
      name.append(el("div", "cell-sub", config.levels[row.level] || row.level));
      tr.append(name, ...BOARD.map((code) => el("td", "num", figure(row.kpis[code], KPI[code].unit))));
      return tr;
    }));
  }

  function run(load) {
    return load().catch(showProblem);
  }

  $("rp-trend-kpi").addEventListener("change", () => run(loadTrend));
  $("rp-agents-sort").addEventListener("change", () => run(loadBoard));
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  for (const load of [loadOverview, loadLive, loadFunnel, loadTrend, loadHeatmap, loadBoard]) run(load);
  setInterval(() => run(loadLive), config.live_seconds * 1000);
})();
