// "Watch a topic": the dashboard's own WebSocket client (janus.js). Subscribes to topics, lists what arrives with its
// latency (receipt time − the server's publish timestamp), and publishes test messages. A busy topic can deliver far
// more than a page can draw: messages are counted as they come and drawn once per frame, the newest 100 kept.

import { JanusClient } from "/janus.mjs";
import { formatClock, formatInteger, formatMs } from "./format.js";

const MAX_ROWS = 100;
const $ = (id) => document.getElementById(id);

function display(value) {
  if (value === null || value === undefined) return "null";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A message id or data field as typed: JSON when it parses ({"a":1}, 42, true), else the text itself. */
function parseValue(text) {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class WatchPanel {
  constructor({ key, onSubscriptionChange }) {
    this.onSubscriptionChange = onSubscriptionChange || (() => {});
    this.received = 0;
    this.pending = [];
    this.arrivals = [];
    this.frame = 0;
    this.handler = (message) => this.onMessage(message);

    // The page's key (key.js) lets a page opened from an untrusted network publish; janus.js sends it as a
    // subprotocol, never in the URL.
    // The original protocol (no session kept after the tab goes): a dashboard shows what arrives now, and is closed
    // far more often than it loses its network.
    // ?dashboard=1: the server counts this connection apart from client connections (docs/dashboard.md), so opening
    // the page does not change the connection count it shows.
    this.client = new JanusClient({ url: "/ws?dashboard=1", key, minDelay: 500, maxDelay: 10000, resume: false });
    this.client.on("state", () => this.renderState());
    this.client.on("open", () => this.renderState());
    this.client.on("close", (close) => {
      this.lastClose = close;
      this.renderState();
    });
    this.client.on("error", (error) => this.result(`server closed the connection: ${error.code} (${error.reason})`, "error"));

    $("watch-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const topic = $("watch-topic").value.trim();
      if (topic) this.watch(topic);
    });
    $("publish-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.publish();
    });
    $("clear-log").addEventListener("click", () => {
      this.received = 0;
      this.arrivals = [];
      $("message-log").replaceChildren();
      $("log-empty").hidden = false;
      this.renderCounts();
    });
    setInterval(() => this.renderCounts(), 1000);

    this.renderState();
    this.client.connect().catch(() => {});
  }

  /** Subscribes to a topic (if not watched yet) and makes it the publish form's topic. */
  watch(topic) {
    $("publish-topic").value = topic;
    $("watch-topic").value = topic;
    if (this.client.topics.includes(topic)) {
      return Promise.resolve();
    }

    const chip = document.createElement("span");
    chip.className = "chip pending";
    chip.dataset.topic = topic;
    chip.title = "subscribing…";
    const name = document.createElement("span");
    name.textContent = topic;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.title = "stop watching " + topic;
    remove.setAttribute("aria-label", "stop watching " + topic);
    remove.addEventListener("click", () => this.unwatch(topic));
    chip.append(name, remove);
    $("watched").appendChild(chip);

    return this.client.subscribe(topic, this.handler).then(
      () => {
        chip.classList.remove("pending");
        chip.dataset.subscribed = "true";
        chip.title = "subscribed";
        this.result(`watching ${topic}`, "ok");
        this.onSubscriptionChange();
      },
      (error) => {
        chip.remove();
        this.result(`could not watch ${topic}: ${error.code || error.message}`, "error");
      });
  }

  unwatch(topic) {
    const chip = $("watched").querySelector(`[data-topic="${CSS.escape(topic)}"]`);
    if (chip) chip.remove();
    return this.client.unsubscribe(topic, this.handler).then(() => this.onSubscriptionChange(), () => {});
  }

  publish() {
    const topic = $("publish-topic").value.trim();
    if (!topic) return;
    const eventText = $("publish-event").value;
    const idText = $("publish-id").value;
    const data = parseValue($("publish-data").value);
    const event = eventText === "" ? undefined : eventText;
    const messageId = parseValue(idText);
    const started = performance.now();
    $("publish-button").disabled = true;
    this.client.publish(topic, event, messageId, data).then(
      () => {
        this.result(`published to ${topic} · ACK after ${formatMs(performance.now() - started)}`, "ok");
        // The next test message gets the next id.
        if (typeof messageId === "number" && Number.isInteger(messageId)) {
          $("publish-id").value = String(messageId + 1);
        }
      },
      (error) => this.result(`not published: ${error.code || ""} ${error.message}`, "error"))
      .finally(() => {
        $("publish-button").disabled = this.client.state !== "open";
      });
  }

  onMessage(message) {
    this.received++;
    this.arrivals.push(message.receivedAt);
    this.pending.push(message);
    if (this.pending.length > MAX_ROWS) {
      this.pending.splice(0, this.pending.length - MAX_ROWS);
    }

    if (!this.frame) {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  flush() {
    this.frame = 0;
    const tbody = $("message-log");
    const batch = this.pending.splice(0);
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) {
      const m = batch[i];
      const row = document.createElement("tr");
      row.className = "fresh";
      row.dataset.topic = m.topic;
      const cells = [
        ["time", formatClock(m.receivedAt) + "." + String(Math.floor(m.receivedAt % 1000)).padStart(3, "0")],
        ["topic", m.topic],
        ["event", display(m.event)],
        ["id", display(m.messageId)],
        ["data", display(m.data)],
        ["latency", formatMs(Math.max(0, m.latency))],
      ];
      for (const [name, text] of cells) {
        const cell = document.createElement("td");
        cell.className = name;
        cell.textContent = text;
        if (name === "data") cell.title = text;
        row.appendChild(cell);
      }

      fragment.appendChild(row);
    }

    tbody.insertBefore(fragment, tbody.firstChild);
    while (tbody.rows.length > MAX_ROWS) {
      tbody.deleteRow(tbody.rows.length - 1);
    }

    $("log-empty").hidden = true;
    this.renderCounts();
  }

  renderCounts() {
    const horizon = performance.timeOrigin + performance.now() - 1000;
    let first = 0;
    while (first < this.arrivals.length && this.arrivals[first] < horizon) first++;
    if (first > 0) this.arrivals.splice(0, first);
    $("received-count").textContent = formatInteger(this.received);
    $("received-rate").textContent = formatInteger(this.arrivals.length);
  }

  renderState() {
    const client = this.client;
    const element = $("ws-state");
    element.dataset.state = client.state;
    let text = client.state;
    if (client.state === "open") {
      text = `connected · session ${client.token.slice(0, 8)}…`;
    } else if (client.state === "reconnecting" && this.lastClose) {
      text = `reconnecting in ${(this.lastClose.delay / 1000).toFixed(1)} s (closed ${this.lastClose.code}${this.lastClose.error ? " " + this.lastClose.error.code : ""})`;
    }

    $("ws-state-text").textContent = text;
    $("publish-button").disabled = client.state !== "open";
  }

  result(text, kind) {
    const element = $("publish-result");
    element.textContent = text;
    element.className = "result " + (kind || "");
  }
}
