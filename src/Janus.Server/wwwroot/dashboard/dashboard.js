// The Janus dashboard: polls the read-only HTTP API (never per-connection data, so the page costs the same with 10 or
// 19,000 clients) and draws it. /api/stats/history once at load, then every second /api/stats (the server now) and
// /api/stats/history?since= (the seconds since the last sample); /api/topics every few seconds. The "watch a topic"
// panel (watch.js) is a real client of the WebSocket endpoint, through janus.js.

import { Histogram, TimeChart, sparkline } from "./charts.js";
import { formatAgo, formatBytes, formatClock, formatCompact, formatDuration, formatInteger, formatMs, formatMsAxis } from "./format.js";
import { WatchPanel } from "./watch.js";
import { authHeaders, currentKey, saveKey } from "./key.js";

const POLL_MS = 1000;
const TOPICS_EVERY_MS = 3000;
const TOPICS_LIMIT = 20;

const $ = (id) => document.getElementById(id);
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const state = {
  history: [],
  capacity: 600,
  stats: null,
  nodeId: null,
  rangeSeconds: 300,
  failures: 0,
  lastTopics: 0,
  // Errors by code are only in /api/stats (the history has their total): the page keeps one copy per second it saw.
  errorsAt: new Map(),
};

/** Sets text only when it changed: most numbers stay the same from one second to the next. */
function setText(element, text) {
  if (element && element.textContent !== text) {
    element.textContent = text;
  }
}

const key = currentKey();

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json", ...authHeaders(key) } });
  if (response.status === 401 || response.status === 403) {
    // Reading needs a key (Janus:Security:ReadAccess), or the one given is wrong: ask for one.
    $("key-form").hidden = false;
  }

  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}`);
  }

  return response.json();
}

// ---- charts ----

const colors = {
  tcp: css("--tcp"), ws: css("--ws"), publishes: css("--publishes"), deliveries: css("--deliveries"),
  enqueue: css("--enqueue"), write: css("--write"), bytes: css("--bytes"), bad: css("--bad"),
};

const charts = {
  deliveries: new TimeChart($("chart-deliveries"), {
    label: "Deliveries per second",
    series: [{ label: "deliveries/s", color: colors.deliveries, value: (s) => s.deliveries_per_second }],
  }),
  publishes: new TimeChart($("chart-publishes"), {
    label: "Publishes per second",
    series: [{ label: "publishes/s", color: colors.publishes, value: (s) => s.publishes_per_second }],
  }),
  connections: new TimeChart($("chart-connections"), {
    label: "Open connections by transport",
    stacked: true,
    format: formatCompact,
    series: [
      { label: "TCP", color: colors.tcp, value: (s) => s.connections_tcp },
      { label: "WebSocket", color: colors.ws, value: (s) => s.connections_websocket },
    ],
  }),
  latency: new TimeChart($("chart-latency"), {
    label: "Fan-out latency p99 per second",
    format: formatMs,
    axisFormat: formatMsAxis,
    series: [
      { label: "write p99", color: colors.write, value: (s) => s.write_p99_ms, area: true },
      { label: "write p50", color: colors.write, value: (s) => s.write_p50_ms, area: false, dashed: true },
      { label: "enqueue p99", color: colors.enqueue, value: (s) => s.enqueue_p99_ms, area: false },
    ],
  }),
  histogram: new Histogram($("chart-histogram"), {
    label: "Fan-out latency histogram",
    series: [
      { label: "enqueue", color: colors.enqueue },
      { label: "write", color: colors.write },
    ],
  }),
};

function legend(element, items) {
  element.replaceChildren();
  for (const item of items) {
    const span = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = item.color;
    const value = document.createElement("b");
    value.textContent = item.value;
    span.append(swatch, item.label, value);
    element.appendChild(span);
  }
}

// ---- rendering ----

function inRange() {
  const history = state.history;
  if (history.length === 0) {
    return { samples: [], from: 0, to: 1 };
  }

  // A server younger than the range fills the width (at least a minute) instead of leaving it mostly empty.
  const to = history[history.length - 1].time;
  const from = Math.max(to - state.rangeSeconds * 1000, Math.min(history[0].time, to - 60 * 1000));
  let start = history.length - 1;
  while (start > 0 && history[start - 1].time >= from - 1000) {
    start--;
  }

  return { samples: history.slice(start), from, to };
}

function renderCharts() {
  const { samples, from, to } = inRange();
  charts.deliveries.setData(samples, from, to);
  charts.publishes.setData(samples, from, to);
  charts.connections.setData(samples, from, to);
  charts.latency.setData(samples, from, to);

  const last = samples[samples.length - 1];
  const peak = (key) => samples.reduce((max, s) => Math.max(max, s[key] || 0), 0);
  legend($("legend-deliveries"), [
    { label: "now", color: colors.deliveries, value: last ? formatCompact(last.deliveries_per_second) : "–" },
    { label: "peak", color: "transparent", value: formatCompact(peak("deliveries_per_second")) },
  ]);
  legend($("legend-publishes"), [
    { label: "now", color: colors.publishes, value: last ? formatCompact(last.publishes_per_second) : "–" },
    { label: "peak", color: "transparent", value: formatCompact(peak("publishes_per_second")) },
  ]);
  legend($("legend-connections"), [
    { label: "TCP", color: colors.tcp, value: last ? formatInteger(last.connections_tcp) : "–" },
    { label: "WebSocket", color: colors.ws, value: last ? formatInteger(last.connections_websocket) : "–" },
  ]);
  // A second without fan-out has no latency: show the latest second that had one.
  const latest = (key) => {
    for (let i = samples.length - 1; i >= 0; i--) {
      if (samples[i][key] !== null && samples[i][key] !== undefined) return samples[i][key];
    }

    return null;
  };
  // Per-second figures, labelled so: the 60-second write p99 is the one in the card above and in the table.
  legend($("legend-latency"), [
    { label: "write p99, last busy second", color: colors.write, value: formatMs(latest("write_p99_ms")) },
    { label: "enqueue p99", color: colors.enqueue, value: formatMs(latest("enqueue_p99_ms")) },
  ]);

  // Sparklines show the last minute whatever the range.
  const minute = state.history.slice(-60);
  sparkline($("spark-connections"), minute.map((s) => s.connections_tcp + s.connections_websocket), colors.ws);
  sparkline($("spark-topics"), minute.map((s) => s.topics), colors.tcp);
  sparkline($("spark-publishes"), minute.map((s) => s.publishes_per_second), colors.publishes);
  sparkline($("spark-deliveries"), minute.map((s) => s.deliveries_per_second), colors.deliveries);
  sparkline($("spark-bytes"), minute.map((s) => s.bytes_sent_per_second), colors.bytes);
  sparkline($("spark-latency"), minute.map((s) => s.write_p99_ms), colors.write);

  const first = samples[0];
  const slowInRange = first && last ? last.slow_consumer_disconnects - first.slow_consumer_disconnects : 0;
  setText($("slow-consumers-range"), formatInteger(slowInRange));
  $("kpi-slow").classList.toggle("alert", slowInRange > 0);
}

function renderStats(stats) {
  setText($("node-id"), stats.node_id);
  setText($("uptime"), formatDuration(stats.uptime_seconds));
  const connections = stats.connections;
  setText($("connections-total"), formatInteger(connections.total));
  setText($("connections-tcp"), formatInteger(connections.tcp));
  setText($("connections-websocket"), formatInteger(connections.websocket));
  setText($("connections-dashboard"), formatInteger(connections.dashboard));
  setText($("topics-count"), formatInteger(stats.topics));
  setText($("subscriptions-count"), formatInteger(stats.subscriptions));
  setText($("sessions-count"), formatInteger(stats.sessions));
  setText($("publish-rate"), formatCompact(stats.rates.publishes_per_second));
  setText($("delivery-rate"), formatCompact(stats.rates.deliveries_per_second));
  setText($("published-total"), formatInteger(stats.messages.published));
  setText($("delivered-total"), formatInteger(stats.messages.delivered));
  setText($("bytes-out-rate"), formatBytes(stats.rates.bytes_sent_per_second) + "/s");
  setText($("bytes-in-rate"), formatBytes(stats.rates.bytes_received_per_second));
  setText($("write-p99"), stats.latency.write.count > 0 ? formatMs(stats.latency.write.p99_ms) : "–");
  setText($("slow-consumers"), formatInteger(stats.slow_consumer_disconnects));
  document.title = `Janus · ${formatInteger(connections.total)} connections`;

  renderErrors(stats);
  renderLatency(stats.latency);
  renderCluster(stats);
}

function renderErrors(stats) {
  const codes = Object.entries(stats.errors).filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
  const total = codes.reduce((sum, [, count]) => sum + count, 0);
  setText($("errors-total"), formatInteger(total));
  setText($("errors-top"), codes.length > 0 ? codes.slice(0, 2).map(([code, count]) => `${code} ${formatCompact(count)}`).join(" · ") : "connections closed for a fault");

  // Compared per code with the oldest copy the page kept within the chart range (the page may be younger than it).
  const { from } = inRange();
  let baseline = null, baselineTime = 0;
  for (const [time, errors] of state.errorsAt) {
    if (time >= from) {
      baseline = errors;
      baselineTime = time;
      break;
    }
  }

  const tbody = $("errors-table");
  tbody.replaceChildren();
  let recent = 0;
  for (const [code, count] of codes) {
    const row = document.createElement("tr");
    row.dataset.code = code;
    const name = document.createElement("td");
    name.className = "code";
    name.textContent = code;
    const all = document.createElement("td");
    all.className = "num";
    all.textContent = formatInteger(count);
    const delta = document.createElement("td");
    delta.className = "num";
    const since = baseline ? count - (baseline[code] || 0) : null;
    delta.textContent = since === null ? "–" : since > 0 ? "+" + formatInteger(since) : "0";
    if (since > 0) {
      delta.classList.add("delta-up");
      recent += since;
    }

    row.append(name, all, delta);
    tbody.appendChild(row);
  }

  $("errors-empty").hidden = codes.length > 0;
  $("kpi-errors").classList.toggle("alert", recent > 0);
  setText($("errors-delta-head"), baseline ? "since " + formatClock(baselineTime, false) : "recent");
}

function renderLatency(latency) {
  for (const [name, row] of [["enqueue", $("latency-enqueue")], ["write", $("latency-write")]]) {
    const l = latency[name];
    const cells = row.querySelectorAll("td");
    const values = [formatInteger(l.count), ...[l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms].map((v) => (l.count > 0 ? formatMs(v) : "–"))];
    values.forEach((v, i) => setText(cells[i], v));
  }

  setText($("latency-window"), `Publishes of the last ${latency.window_seconds} s that reached at least one subscriber: from the publish timestamp to the message queued for (enqueue) and written to (write) its last subscriber.`);
  legend($("legend-histogram"), [
    { label: "enqueue", color: colors.enqueue, value: formatInteger(latency.enqueue.count) },
    { label: "write", color: colors.write, value: formatInteger(latency.write.count) },
  ]);
  charts.histogram.setData(latency.bucket_bounds_ms, [latency.enqueue.buckets, latency.write.buckets]);
}

function renderCluster(stats) {
  const cluster = stats.cluster;
  const badge = $("cluster-badge");
  badge.className = "meta-item badge " + (!cluster.enabled ? "" : cluster.connected ? "ok" : "bad");
  setText(badge, !cluster.enabled ? "single node" : cluster.connected ? `cluster · ${cluster.peers.length + 1} nodes` : "cluster unreachable");
  setText($("cluster-summary"), !cluster.enabled
    ? "clustering is off: this node serves its own subscribers"
    : `${cluster.peers.length} peer${cluster.peers.length === 1 ? "" : "s"} seen · ${formatInteger(cluster.publishes_not_forwarded)} publishes not forwarded`);

  const list = $("peers");
  list.replaceChildren();
  const self = document.createElement("li");
  self.className = "self";
  self.append(Object.assign(document.createElement("code"), { textContent: stats.node_id }), Object.assign(document.createElement("span"), { textContent: "this node" }));
  list.appendChild(self);
  for (const peer of cluster.peers) {
    const item = document.createElement("li");
    item.append(Object.assign(document.createElement("code"), { textContent: peer.node_id }), Object.assign(document.createElement("span"), { textContent: "seen " + formatAgo(Date.parse(peer.last_seen)) }));
    list.appendChild(item);
  }
}

function renderTopics(topics) {
  setText($("topics-summary"), topics.total > topics.topics.length
    ? `top ${topics.topics.length} of ${formatInteger(topics.total)} · ${formatInteger(topics.subscriptions)} subscriptions`
    : `${formatInteger(topics.total)} topics · ${formatInteger(topics.subscriptions)} subscriptions`);
  const max = topics.topics.reduce((m, t) => Math.max(m, t.subscribers), 1);
  const tbody = $("topics-table");
  tbody.replaceChildren();
  for (const topic of topics.topics) {
    const row = document.createElement("tr");
    row.dataset.topic = topic.topic;
    const name = document.createElement("td");
    name.className = "name";
    name.textContent = topic.topic;
    name.title = topic.topic;
    const count = document.createElement("td");
    count.className = "count";
    const meter = document.createElement("div");
    meter.className = "meter";
    const track = document.createElement("span");
    track.className = "bar-track";
    const fill = document.createElement("span");
    fill.className = "bar-fill";
    fill.style.width = Math.max(2, (topic.subscribers / max) * 100) + "%";
    track.appendChild(fill);
    const number = document.createElement("b");
    number.textContent = formatInteger(topic.subscribers);
    meter.append(track, number);
    count.appendChild(meter);
    const action = document.createElement("td");
    action.className = "num";
    const watch = document.createElement("button");
    watch.type = "button";
    watch.className = "link";
    watch.textContent = "watch";
    watch.addEventListener("click", () => watchPanel.watch(topic.topic));
    action.appendChild(watch);
    row.append(name, count, action);
    tbody.appendChild(row);
  }

  $("topics-empty").hidden = topics.topics.length > 0;
}

function setLive(liveState, text) {
  const live = $("live");
  if (live.dataset.state !== liveState) live.dataset.state = liveState;
  setText($("live-text"), text);
}

// ---- polling ----

async function loadHistory() {
  const history = await getJson("/api/stats/history");
  state.capacity = history.capacity || 600;
  state.history = history.samples;
  state.errorsAt.clear();
}

function appendHistory(samples) {
  for (const sample of samples) {
    const last = state.history[state.history.length - 1];
    if (!last || sample.time > last.time) {
      state.history.push(sample);
    }
  }

  if (state.history.length > state.capacity) {
    state.history.splice(0, state.history.length - state.capacity);
  }
}

async function poll() {
  const since = state.history.length > 0 ? state.history[state.history.length - 1].time : null;
  const [stats, history] = await Promise.all([
    getJson("/api/stats"),
    since === null ? getJson("/api/stats/history") : getJson(`/api/stats/history?since=${since}`),
  ]);

  // Another process answers now (restart, or a different node behind the same address): start the history over.
  if (state.stats && (stats.node_id !== state.stats.node_id || stats.uptime_seconds + 2 < state.stats.uptime_seconds)) {
    await loadHistory();
  } else {
    appendHistory(history.samples);
  }

  state.stats = stats;
  const last = state.history[state.history.length - 1];
  if (last && !state.errorsAt.has(last.time)) {
    state.errorsAt.set(last.time, stats.errors);
  }

  const oldest = state.history.length > 0 ? state.history[0].time : 0;
  for (const time of state.errorsAt.keys()) {
    if (time >= oldest) break;
    state.errorsAt.delete(time);
  }

  renderStats(stats);
  renderCharts();

  const now = Date.now();
  if (now - state.lastTopics >= TOPICS_EVERY_MS) {
    state.lastTopics = now;
    renderTopics(await getJson(`/api/topics?limit=${TOPICS_LIMIT}`));
  }
}

let timer = null;

async function loop() {
  timer = null;
  if (document.hidden) {
    // Nothing to draw for nobody; history?since= catches up when the tab is shown again.
    return;
  }

  const started = performance.now();
  try {
    await poll();
    state.failures = 0;
    setLive("live", "live");
  } catch (error) {
    state.failures++;
    setLive("offline", state.failures > 1 ? `offline · retrying (${state.failures})` : "offline · retrying");
    console.warn("Janus dashboard:", error);
  }

  const delay = state.failures > 0 ? Math.min(10000, POLL_MS * Math.pow(2, state.failures - 1)) : Math.max(100, POLL_MS - (performance.now() - started));
  timer = setTimeout(loop, delay);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && timer === null) {
    loop();
  }
});

for (const button of document.querySelectorAll(".range button")) {
  button.addEventListener("click", () => {
    state.rangeSeconds = Number(button.dataset.range);
    for (const other of document.querySelectorAll(".range button")) {
      other.classList.toggle("active", other === button);
    }

    renderCharts();
    if (state.stats) renderErrors(state.stats);
  });
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  saveKey($("key-input").value.trim());
  location.reload();
});

const watchPanel = new WatchPanel({
  key,
  onSubscriptionChange: () => {
    // Show the new subscriber count on the next poll rather than in three seconds.
    state.lastTopics = 0;
  },
});

(async () => {
  try {
    await loadHistory();
    renderCharts();
  } catch (error) {
    console.warn("Janus dashboard: no history", error);
  }

  loop();
})();
