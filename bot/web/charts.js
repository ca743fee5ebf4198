// Small SVG charts for the staff pages, drawn by us (no library, no build step). Every text goes
// in with textContent; each chart is an image to a screen reader (role="img") whose <title> and
// aria-label say its numbers, and each bar has a <title> of its own (shown on hover).
window.Charts = (function () {
  "use strict";
  const NS = "http://www.w3.org/2000/svg";

  function node(tag, attrs, text) {
    const el = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { el.setAttribute(key, String(attrs[key])); });
    if (text !== undefined && text !== null) el.textContent = String(text);
    return el;
  }

  function svg(width, height, summary) {
    const root = node("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": summary,
                               preserveAspectRatio: "xMinYMin meet" });
    root.appendChild(node("title", {}, summary));
    return root;
  }

  // What a chart says to a screen reader: its title and each item's numbers.
  function describe(title, items, series, format) {
    return title + "：" + (items.length ? items.map(function (item) {
      return item.label + " " + item.values.map(function (v, i) { return (series[i] || "") + format(v, i); }).join("，");
    }).join("；") : "暂无数据");
  }

  function plain(n) { return String(n); }

  function show(container, root) {
    container.replaceChildren(root);
    return root;
  }

  // Grouped bars, one row per item, read left to right (labels may be long: reasons, scripts).
  // opts: {title, items: [{label, values: [n, ...]}], series: [name, ...], format(n, i)}
  function rows(container, opts) {
    const series = opts.series || [""];
    const format = opts.format || plain;
    const items = opts.items || [];
    const labelWidth = opts.labelWidth || 180, width = 640, barHeight = 16, gap = 10;
    const rowHeight = series.length * barHeight + gap;
    const height = Math.max(40, items.length * rowHeight + 30);
    const max = Math.max(1, ...items.map(function (item) { return Math.max(0, ...item.values); }));
    const root = svg(width, height, describe(opts.title, items, series, format));
    if (!items.length) root.appendChild(node("text", { x: 10, y: 24, class: "empty" }, "暂无数据"));
    items.forEach(function (item, row) {
      const top = row * rowHeight + 4;
      const group = node("g", { class: "row", "data-label": item.label });
      group.appendChild(node("text", { x: labelWidth - 8, y: top + (series.length * barHeight) / 2 + 5,
                                       "text-anchor": "end", class: "label" }, item.label));
      item.values.forEach(function (value, i) {
        const length = Math.round((width - labelWidth - 90) * Math.max(0, value) / max);
        const bar = node("rect", { x: labelWidth, y: top + i * barHeight, width: Math.max(length, 1), height: barHeight - 3,
                                   class: "bar s" + i, "data-value": value, "data-series": series[i] || "" });
        bar.appendChild(node("title", {}, item.label + " " + (series[i] || "") + format(value, i)));
        group.appendChild(bar);
        group.appendChild(node("text", { x: labelWidth + length + 6, y: top + i * barHeight + barHeight - 5, class: "value" },
                               (series.length > 1 ? series[i] + " " : "") + format(value, i)));
      });
      root.appendChild(group);
    });
    return show(container, root);
  }

  // Columns over a row of labels (hours of a day or of a peak). opts as rows(); opts.every:
  // label every nth column.
  function columns(container, opts) {
    const series = opts.series || [""];
    const format = opts.format || plain;
    const items = opts.items || [];
    const width = 640, height = 220, left = 36, bottom = 30, top = 20;
    const slot = (width - left) / Math.max(1, items.length);
    const barWidth = Math.max(2, (slot - 4) / series.length);
    const max = Math.max(1, ...items.map(function (item) { return Math.max(0, ...item.values); }));
    // an hour with nothing in it is left out of the words (24 hours of zeros say nothing)
    const shown = items.filter(function (item) { return item.values.some(function (v) { return v; }); });
    const root = svg(width, height, describe(opts.title, shown, series, format));
    const scale = (height - top - bottom) / max;
    root.appendChild(node("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: "axis" }));
    root.appendChild(node("text", { x: left - 4, y: top + 4, "text-anchor": "end", class: "tick" }, format(max, 0)));
    items.forEach(function (item, n) {
      const group = node("g", { class: "column", "data-label": item.label });
      item.values.forEach(function (value, i) {
        const h = Math.round(Math.max(0, value) * scale);
        const x = left + n * slot + 2 + i * barWidth;
        const bar = node("rect", { x: x, y: height - bottom - h, width: barWidth - 1, height: Math.max(h, 0),
                                   class: "bar s" + i, "data-value": value, "data-series": series[i] || "" });
        bar.appendChild(node("title", {}, item.label + " " + (series[i] || "") + format(value, i)));
        group.appendChild(bar);
        if (value && opts.values) {
          group.appendChild(node("text", { x: x + barWidth / 2, y: height - bottom - h - 4, "text-anchor": "middle",
                                           class: "value" }, format(value, i)));
        }
      });
      if (n % (opts.every || 1) === 0) {
        group.appendChild(node("text", { x: left + n * slot + slot / 2, y: height - bottom + 16, "text-anchor": "middle",
                                         class: "tick" }, item.label));
      }
      root.appendChild(group);
    });
    return show(container, root);
  }

  // One share out of a whole as a bar, with the goal marked when there is one.
  // opts: {title, value (0-1 or null), goal (0-1, optional), detail}
  function meter(container, opts) {
    const width = 300, height = 56, left = 4, barWidth = 292;
    const text = opts.value === null || opts.value === undefined ? "暂无数据" : Math.round(opts.value * 100) + "%";
    const goal = opts.goal ? "，目标 " + Math.round(opts.goal * 100) + "%" : "";
    const root = svg(width, height, opts.title + "：" + text + goal + (opts.detail ? "（" + opts.detail + "）" : ""));
    root.appendChild(node("rect", { x: left, y: 28, width: barWidth, height: 18, class: "track" }));
    const filled = node("rect", { x: left, y: 28, width: Math.round(barWidth * (opts.value || 0)), height: 18,
                                  class: "bar" + (opts.goal && opts.value !== null && opts.value < opts.goal ? " short" : ""),
                                  "data-value": opts.value === null || opts.value === undefined ? "" : opts.value });
    root.appendChild(filled);
    if (opts.goal) {
      const x = left + Math.round(barWidth * opts.goal);
      root.appendChild(node("line", { x1: x, x2: x, y1: 22, y2: 50, class: "goal" }));
    }
    root.appendChild(node("text", { x: left, y: 18, class: "big" }, text));
    if (opts.detail) root.appendChild(node("text", { x: width - 4, y: 18, "text-anchor": "end", class: "tick" }, opts.detail));
    return show(container, root);
  }

  return { rows: rows, columns: columns, meter: meter };
})();
