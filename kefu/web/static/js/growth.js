// Kefu agent growth: the weekly KPI trends of one agent, drawn with the vendored ECharts
// from the figures the page carries as JSON (rates and the QA score in %, on the left
// axis; response times in seconds, on the right). A week without figures has no point;
// the line joins the weeks that have one.
(() => {
  "use strict";
  const box = document.getElementById("growth-chart");
  const source = document.getElementById("growth-config");
  if (!box || !source || !window.echarts) return;
  const config = JSON.parse(source.textContent);
  const hasData = config.series.some((s) => s.data.some((v) => v !== null));
  if (!hasData) {
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = config.empty;
    box.style.height = "auto";
    box.replaceChildren(note);
    return;
  }
  const chart = window.echarts.init(box);
  chart.setOption({
    animationDuration: 300,
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 48, right: 56, top: 32, bottom: 56 },
    xAxis: { type: "category", data: config.weeks.map((d) => d.slice(5)) },
    yAxis: [
      { type: "value", name: config.axes.rate, min: 0, max: 100 },
      { type: "value", name: config.axes.seconds, min: 0, splitLine: { show: false } },
    ],
    series: config.series.map((s) => ({
      name: s.name,
      type: "line",
      connectNulls: true,
      showSymbol: true,
      symbolSize: 7,
      yAxisIndex: s.axis === "seconds" ? 1 : 0,
      data: s.data,
    })),
  });
  box.dataset.ready = "1";
  window.addEventListener("resize", () => chart.resize());
})();
