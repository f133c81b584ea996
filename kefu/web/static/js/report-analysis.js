// Kefu report analysis: the staffing forecast chart. The page carries its figures as JSON
// (#ra-config); ECharts draws them: the last two weeks as they were, then the next week by
// the seasonal model and by the same-hour-last-week baseline. Labels go in as ECharts
// text, never as HTML.
(() => {
  "use strict";
  const node = document.getElementById("ra-forecast-chart");
  const config = JSON.parse(document.getElementById("ra-config").textContent);
  if (!node || !window.echarts) return;
  const T = config.strings;
  const line = (name, data, extra) => ({
    name, type: "line", data, showSymbol: false, connectNulls: false, ...extra,
  });
  const chart = window.echarts.init(node);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: [T.actual, T.model, T.naive], top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: config.labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
    series: [
      line(T.actual, config.actual, { lineStyle: { width: 1.5 } }),
      line(T.model, config.model, { lineStyle: { width: 2 } }),
      line(T.naive, config.naive, { lineStyle: { width: 1, type: "dashed" } }),
    ],
  });
  node.dataset.ready = "true";
  window.addEventListener("resize", () => chart.resize());
})();
