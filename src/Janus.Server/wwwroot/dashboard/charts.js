// Hand-written SVG charts for the dashboard: a time series chart (lines, areas, stacking, hover read-out), a grouped
// bar histogram and a sparkline. No library: the machines Janus runs on may have no internet, and these three are
// all the page needs. Elements are created with the DOM (no inline styles: the page's CSP forbids them).

import { formatAxis, formatBound, formatClock, formatCompact } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
let nextId = 0;

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes || {})) {
    element.setAttribute(key, String(value));
  }

  if (parent) {
    parent.appendChild(element);
  }

  return element;
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `value`. */
function niceStep(value) {
  if (value <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const multiple of [1, 2, 2.5, 5, 10]) {
    if (multiple * power >= value) return multiple * power;
  }

  return 10 * power;
}

/** Ticks from 0 to a round top at or above `max`, about `count` of them. */
function niceTicks(max, count) {
  const step = niceStep(max / count);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const ticks = [];
  for (let value = 0; value <= top + step / 2; value += step) {
    ticks.push(value);
  }

  return { top, ticks };
}

function makeTooltip(host) {
  const tooltip = document.createElement("div");
  tooltip.className = "tooltip";
  tooltip.hidden = true;
  host.appendChild(tooltip);
  return tooltip;
}

/** Keeps `chart.width` at the host's width and re-renders the chart when it changes. */
function followWidth(chart, host) {
  chart.width = host.clientWidth || 600;
  new ResizeObserver((entries) => {
    const width = Math.floor(entries[0].contentRect.width);
    if (width > 0 && width !== chart.width) {
      chart.width = width;
      chart.render();
    }
  }).observe(host);
}

function showTooltip(host, tooltip, x, y, title, rows) {
  tooltip.replaceChildren();
  const heading = document.createElement("div");
  heading.className = "tooltip-title";
  heading.textContent = title;
  tooltip.appendChild(heading);
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "tooltip-row";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = row.color;
    const label = document.createElement("span");
    label.textContent = row.label;
    const value = document.createElement("b");
    value.textContent = row.value;
    line.append(swatch, label, value);
    tooltip.appendChild(line);
  }

  tooltip.hidden = false;
  const width = tooltip.offsetWidth;
  const left = x + 14 + width > host.clientWidth ? x - 14 - width : x + 14;
  tooltip.style.left = Math.max(0, left) + "px";
  tooltip.style.top = Math.max(0, y) + "px";
}

/**
 * A time series chart. `series`: [{label, color, value: sample => number|null}]; `stacked` piles the series up
 * (connections by transport); `format` formats values on the axis and in the read-out.
 */
export class TimeChart {
  constructor(host, { series, stacked = false, format = formatCompact, axisFormat = formatAxis, height = 190, label = "" }) {
    this.host = host;
    this.series = series;
    this.stacked = stacked;
    this.format = format;
    this.axisFormat = axisFormat;
    this.height = height;
    this.points = [];
    this.from = 0;
    this.to = 1;
    this.hoverTime = null;
    this.id = "c" + nextId++;

    host.classList.add("chart");
    this.svg = svg("svg", { class: "chart-svg", role: "img", "aria-label": label, height }, host);
    const defs = svg("defs", {}, this.svg);
    series.forEach((s, i) => {
      const gradient = svg("linearGradient", { id: `${this.id}-g${i}`, x1: 0, y1: 0, x2: 0, y2: 1 }, defs);
      svg("stop", { offset: "0%", "stop-color": s.color, "stop-opacity": stacked ? 0.55 : 0.35 }, gradient);
      svg("stop", { offset: "100%", "stop-color": s.color, "stop-opacity": stacked ? 0.25 : 0.02 }, gradient);
    });
    this.grid = svg("g", { class: "grid" }, this.svg);
    this.plot = svg("g", { class: "plot" }, this.svg);
    this.cursor = svg("g", { class: "cursor" }, this.svg);
    this.overlay = svg("rect", { class: "overlay", x: 0, y: 0, width: 0, height }, this.svg);
    this.tooltip = makeTooltip(host);

    this.overlay.addEventListener("pointermove", (event) => {
      const box = this.svg.getBoundingClientRect();
      this.hoverX = event.clientX - box.left;
      this.renderCursor();
    });
    this.overlay.addEventListener("pointerleave", () => {
      this.hoverX = null;
      this.renderCursor();
    });

    followWidth(this, host);
  }

  /** Shows `points` (samples with a unix-ms `time`, oldest first) between `from` and `to`. */
  setData(points, from, to) {
    this.points = points;
    this.from = from;
    this.to = to;
    this.render();
  }

  layout() {
    const margin = { left: 52, right: 12, top: 10, bottom: 22 };
    return {
      margin,
      innerWidth: Math.max(10, this.width - margin.left - margin.right),
      innerHeight: this.height - margin.top - margin.bottom,
    };
  }

  /** Per point, per series: [bottom, top] of its band (equal bottoms of 0 unless stacked). */
  bands() {
    const result = [];
    for (const point of this.points) {
      let base = 0;
      const row = [];
      for (const s of this.series) {
        const value = s.value(point);
        if (value === null || value === undefined || Number.isNaN(value)) {
          row.push(null);
          continue;
        }

        row.push(this.stacked ? [base, base + value] : [0, value]);
        if (this.stacked) base += value;
      }

      result.push(row);
    }

    return result;
  }

  render() {
    const { margin, innerWidth, innerHeight } = this.layout();
    this.svg.setAttribute("width", this.width);
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.overlay.setAttribute("x", margin.left);
    this.overlay.setAttribute("y", margin.top);
    this.overlay.setAttribute("width", innerWidth);
    this.overlay.setAttribute("height", innerHeight);

    const span = Math.max(1, this.to - this.from);
    const x = (time) => margin.left + ((time - this.from) / span) * innerWidth;
    const bands = this.bands();
    let max = 0;
    bands.forEach((row, i) => {
      if (this.points[i].time < this.from) return;
      for (const band of row) {
        if (band && band[1] > max) max = band[1];
      }
    });

    const { top, ticks } = niceTicks(max > 0 ? max * 1.08 : 1, 4);
    const y = (value) => margin.top + innerHeight - (value / top) * innerHeight;
    this.scale = { x, y, margin, innerWidth, innerHeight };
    this.bandCache = bands;

    // Grid and axes.
    this.grid.replaceChildren();
    for (const tick of ticks) {
      const ty = y(tick);
      svg("line", { x1: margin.left, x2: margin.left + innerWidth, y1: ty, y2: ty, class: tick === 0 ? "baseline" : "" }, this.grid);
      svg("text", { x: margin.left - 8, y: ty + 4, "text-anchor": "end", class: "tick" }, this.grid).textContent = this.axisFormat(tick);
    }

    const seconds = span / 1000;
    const step = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800].find((s) => (seconds / s) * 78 <= innerWidth) || 3600;
    for (let t = Math.ceil(this.from / (step * 1000)) * step * 1000; t <= this.to; t += step * 1000) {
      const tx = x(t);
      svg("line", { x1: tx, x2: tx, y1: margin.top + innerHeight, y2: margin.top + innerHeight + 4, class: "tick-mark" }, this.grid);
      svg("text", { x: tx, y: this.height - 5, "text-anchor": "middle", class: "tick" }, this.grid).textContent = formatClock(t, step < 60);
    }

    // Areas first, lines on top; a null value breaks a line (e.g. no fan-out in that second).
    this.plot.replaceChildren();
    const clip = svg("clipPath", { id: `${this.id}-clip` }, this.plot);
    svg("rect", { x: margin.left, y: margin.top - 2, width: innerWidth, height: innerHeight + 4 }, clip);
    const areas = svg("g", { "clip-path": `url(#${this.id}-clip)` }, this.plot);
    const lines = svg("g", { "clip-path": `url(#${this.id}-clip)` }, this.plot);
    this.series.forEach((s, si) => {
      let area = "", line = "", run = [];
      const points = [];
      const flush = () => {
        if (run.length === 0) return;
        // A value between two gaps (one publish in a quiet minute) has no segment to draw: it gets a dot instead.
        if (run.length === 1) points.push(run[0]);
        line += run.map((p, i) => (i === 0 ? "M" : "L") + p[0].toFixed(1) + " " + p[2].toFixed(1)).join("");
        if (s.area !== false) {
          area += run.map((p, i) => (i === 0 ? "M" : "L") + p[0].toFixed(1) + " " + p[2].toFixed(1)).join("");
          for (let i = run.length - 1; i >= 0; i--) area += "L" + run[i][0].toFixed(1) + " " + run[i][1].toFixed(1);
          area += "Z";
        }

        run = [];
      };
      bands.forEach((row, i) => {
        const band = row[si];
        if (!band) {
          flush();
          return;
        }

        run.push([x(this.points[i].time), y(band[0]), y(band[1])]);
      });
      flush();
      if (area) svg("path", { d: area, fill: `url(#${this.id}-g${si})`, class: "area" }, areas);
      if (line) svg("path", { d: line, stroke: s.color, class: "line" + (s.dashed ? " dashed" : "") }, lines);
      for (const p of points) svg("circle", { cx: p[0].toFixed(1), cy: p[2].toFixed(1), r: 2.5, fill: s.color, class: "point" }, lines);
    });

    this.renderCursor();
  }

  renderCursor() {
    this.cursor.replaceChildren();
    if (this.hoverX === null || this.hoverX === undefined || !this.scale || this.points.length === 0) {
      this.tooltip.hidden = true;
      return;
    }

    const { x, y, margin, innerHeight } = this.scale;
    const time = this.from + ((this.hoverX - margin.left) / this.scale.innerWidth) * (this.to - this.from);
    let best = -1, bestDistance = Infinity;
    for (let i = 0; i < this.points.length; i++) {
      const distance = Math.abs(this.points[i].time - time);
      if (distance < bestDistance && this.points[i].time >= this.from) {
        best = i;
        bestDistance = distance;
      }
    }

    if (best < 0) {
      this.tooltip.hidden = true;
      return;
    }

    const point = this.points[best];
    const px = x(point.time);
    svg("line", { x1: px, x2: px, y1: margin.top, y2: margin.top + innerHeight, class: "cursor-line" }, this.cursor);
    const rows = [];
    this.series.forEach((s, si) => {
      const band = this.bandCache[best][si];
      const value = s.value(point);
      rows.push({ color: s.color, label: s.label, value: value === null || value === undefined ? "–" : this.format(value) });
      if (band) svg("circle", { cx: px, cy: y(band[1]), r: 3.5, fill: s.color, class: "cursor-dot" }, this.cursor);
    });
    showTooltip(this.host, this.tooltip, px, margin.top, formatClock(point.time), rows.reverse());
  }
}

/**
 * Grouped bars over fixed buckets (the fan-out latency histogram): `series` [{label, color}], one count array per
 * series, the last bucket being "above the last bound".
 */
export class Histogram {
  constructor(host, { series, height = 210, label = "" }) {
    this.host = host;
    this.series = series;
    this.height = height;
    this.bounds = [];
    this.counts = series.map(() => []);
    host.classList.add("chart");
    this.svg = svg("svg", { class: "chart-svg", role: "img", "aria-label": label, height }, host);
    this.tooltip = makeTooltip(host);
    followWidth(this, host);
  }

  /** `bounds` in ms (n of them); `counts[s]` has n + 1 entries. */
  setData(bounds, counts) {
    this.bounds = bounds;
    this.counts = counts;
    this.render();
  }

  render() {
    const margin = { left: 44, right: 8, top: 10, bottom: 24 };
    const innerWidth = Math.max(10, this.width - margin.left - margin.right);
    const innerHeight = this.height - margin.top - margin.bottom;
    this.svg.setAttribute("width", this.width);
    this.svg.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.svg.replaceChildren();

    const buckets = this.bounds.length + 1;
    let max = 0;
    for (const counts of this.counts) {
      for (const count of counts) if (count > max) max = count;
    }

    const { top, ticks } = niceTicks(max > 0 ? max : 1, 3);
    const y = (value) => margin.top + innerHeight - (value / top) * innerHeight;
    const grid = svg("g", { class: "grid" }, this.svg);
    for (const tick of ticks) {
      svg("line", { x1: margin.left, x2: margin.left + innerWidth, y1: y(tick), y2: y(tick), class: tick === 0 ? "baseline" : "" }, grid);
      svg("text", { x: margin.left - 8, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, grid).textContent = formatAxis(tick);
    }

    const slot = innerWidth / buckets;
    const gap = Math.min(6, slot * 0.2);
    const barWidth = Math.max(1, (slot - gap) / this.series.length);
    const labelEvery = slot >= 34 ? 1 : slot >= 17 ? 2 : 3;
    const bars = svg("g", { class: "bars" }, this.svg);
    for (let b = 0; b < buckets; b++) {
      const x0 = margin.left + b * slot + gap / 2;
      this.series.forEach((s, si) => {
        const count = (this.counts[si] && this.counts[si][b]) || 0;
        const height = count > 0 ? Math.max(1.5, innerHeight - (y(count) - margin.top)) : 0;
        svg("rect", { x: x0 + si * barWidth, y: margin.top + innerHeight - height, width: Math.max(1, barWidth - 1), height, rx: 1.5, fill: s.color, class: "bar" }, bars);
      });
      if (b % labelEvery === 0) {
        const text = b < this.bounds.length ? formatBound(this.bounds[b]) : ">" + formatBound(this.bounds[this.bounds.length - 1]);
        svg("text", { x: margin.left + (b + 0.5) * slot, y: this.height - 6, "text-anchor": "middle", class: "tick" }, grid).textContent = text;
      }

      const hit = svg("rect", { x: margin.left + b * slot, y: margin.top, width: slot, height: innerHeight, class: "overlay" }, this.svg);
      hit.addEventListener("pointerenter", () => {
        const lower = b === 0 ? 0 : this.bounds[b - 1];
        const title = b < this.bounds.length ? `${formatBound(lower)} – ${formatBound(this.bounds[b])}` : `above ${formatBound(lower)}`;
        const rows = this.series.map((s, si) => ({ color: s.color, label: s.label, value: formatCompact((this.counts[si] && this.counts[si][b]) || 0) }));
        showTooltip(this.host, this.tooltip, margin.left + (b + 0.5) * slot, margin.top, title, rows);
      });
      hit.addEventListener("pointerleave", () => {
        this.tooltip.hidden = true;
      });
    }
  }
}

/** Draws `values` (oldest first, nulls skipped) as a small line with an area under it into an <svg>. */
export function sparkline(element, values, color) {
  const width = 120, height = 32;
  element.setAttribute("viewBox", `0 0 ${width} ${height}`);
  element.setAttribute("preserveAspectRatio", "none");
  element.replaceChildren();
  const numbers = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v));
  if (numbers.length === 0) return;
  let max = Math.max(...numbers), min = Math.min(...numbers, 0);
  if (max === min) max = min + 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let line = "", firstX = null, lastX = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined || Number.isNaN(v)) return;
    const px = i * step, py = height - 2 - ((v - min) / (max - min)) * (height - 4);
    line += (line ? "L" : "M") + px.toFixed(1) + " " + py.toFixed(1);
    if (firstX === null) firstX = px;
    lastX = px;
  });
  if (numbers.length === 1) {
    // One value alone (one publish in the last minute) makes no line: a tick from the bottom shows it.
    svg("path", { d: `M${firstX.toFixed(1)} ${height}` + line.replace("M", "L"), stroke: color, class: "spark-line" }, element);
    return;
  }

  svg("path", { d: line + `L${lastX.toFixed(1)} ${height}L${firstX.toFixed(1)} ${height}Z`, fill: color, class: "spark-area" }, element);
  svg("path", { d: line, stroke: color, class: "spark-line" }, element);
}
