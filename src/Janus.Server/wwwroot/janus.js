/*!
 * janus.js: the browser client for Janus, a publish/subscribe push server.
 *
 * Plain modern JavaScript, no dependencies, no build step. Served by every Janus at /janus.js.
 *   Classic script:  <script src="/janus.js"></script>   then   const client = new Janus.Client();
 *   ES module:       import { JanusClient } from "/janus.mjs";
 *
 * Speaks the protocol of docs/websocket.md: one JSON message per text frame; the server greets with a token, answers
 * every subscribe / unsubscribe / publish with "ACK" in order (matched here first in, first out), sends deliveries,
 * heartbeat "PING" (answered "PONG" here) and, before it closes a connection for a fault, {"error":..,"reason":..}.
 * The client reconnects with exponential backoff and jitter and subscribes again to its topics after a reconnect.
 * Guide: docs/janus-js.md.
 */
(function (global) {
  "use strict";

  const VERSION = "1.0.0";

  // Loaded twice (a classic <script> and an import of janus.mjs on one page): keep the first, so classes stay one.
  if (global.Janus && global.Janus.version === VERSION) {
    return;
  }

  /**
   * Options of a {@link JanusClient}. Every field is optional.
   * @typedef {object} JanusOptions
   * @property {string} [url] WebSocket address, e.g. "wss://push.example.com/ws". An http(s) address is turned into
   *   ws(s); a bare origin gets "/ws". Default: "/ws" on the page's own host ("ws:" or "wss:" after the page's scheme).
   * @property {string} [key] API key, sent as ?key= (browsers cannot set headers on a WebSocket). Needed to publish
   *   from a page that does not come from the Janus host itself, or from an untrusted network.
   * @property {boolean} [reconnect=true] Reconnect after the connection is lost (anything but close()).
   * @property {number} [minDelay=500] First reconnect delay, in milliseconds.
   * @property {number} [maxDelay=30000] Largest reconnect delay, in milliseconds.
   * @property {number} [factor=2] Each failed attempt multiplies the delay by this.
   * @property {number} [jitter=0.5] Fraction of the delay taken off at random (0 to 1), so that thousands of clients
   *   cut at once by a restart do not come back at the same instant.
   * @property {number} [stableAfter=5000] A connection that lived this long (ms) starts the backoff again from
   *   minDelay when it drops; one that failed sooner (e.g. closed for a fault right after the greeting) keeps growing.
   * @property {number} [idleTimeout=0] Drop and reconnect when nothing arrived for this long (ms); 0 turns it off.
   *   Janus sends PING after Janus:Heartbeat:Interval (30 s) of silence, so use more than twice that.
   * @property {typeof WebSocket} [WebSocket] The WebSocket class to use (default: the global one).
   */

  /**
   * A delivered message, as handed to subscribe handlers and "message" listeners.
   * @typedef {object} JanusMessage
   * @property {string} topic The topic it was published to.
   * @property {*} event The publisher's event value (null when left out).
   * @property {*} messageId The publisher's message_id value (null when left out).
   * @property {*} data The publisher's data value (null when left out).
   * @property {number[]} timestamp The server's [Mega, Secs, Micro] publish timestamp.
   * @property {number} sentAt The publish time, unix milliseconds (with fractions).
   * @property {number} receivedAt When this page parsed it, unix milliseconds (with fractions).
   * @property {number} latency receivedAt - sentAt in ms (meaningful when both clocks agree, e.g. on one machine).
   */

  /** An error of the client or of the server; `code` is Janus's stable error code, e.g. "publish_forbidden". */
  class JanusError extends Error {
    /**
     * @param {string} code A stable code: a server error code (docs/websocket.md), or "not_connected",
     *   "connection_closed", "closed", "unsubscribed".
     * @param {string} message A text for people.
     */
    constructor(code, message) {
      super(message);
      this.name = "JanusError";
      /** @type {string} */
      this.code = code;
    }
  }

  /**
   * Converts a Janus [Mega, Secs, Micro] timestamp into unix milliseconds (with fractions).
   * @param {number[]} timestamp
   * @returns {number}
   */
  function timestampToMillis(timestamp) {
    return (timestamp[0] * 1e6 + timestamp[1]) * 1000 + timestamp[2] / 1000;
  }

  /** Wall-clock milliseconds with sub-millisecond precision where the browser gives it. */
  function now() {
    const perf = global.performance;
    return perf && perf.timeOrigin ? perf.timeOrigin + perf.now() : Date.now();
  }

  function report(error) {
    // A handler's exception must not break delivery to the others; show it where uncaught errors go.
    if (typeof global.reportError === "function") {
      global.reportError(error);
    } else {
      setTimeout(() => { throw error; });
    }
  }

  function resolveUrl(url, key) {
    const location = global.location;
    let address;
    if (url) {
      address = new URL(url, location ? location.href : undefined);
    } else if (location) {
      address = new URL("/ws", location.href);
    } else {
      throw new JanusError("invalid_url", "no url given and no page location to derive one from");
    }

    if (address.protocol === "http:") {
      address.protocol = "ws:";
    } else if (address.protocol === "https:") {
      address.protocol = "wss:";
    }

    if (address.protocol !== "ws:" && address.protocol !== "wss:") {
      throw new JanusError("invalid_url", "a Janus address is ws:, wss:, http: or https:, not " + address.protocol);
    }

    if (address.pathname === "/" || address.pathname === "") {
      address.pathname = "/ws";
    }

    if (key) {
      address.searchParams.set("key", key);
    }

    return address.toString();
  }

  const DEFAULTS = Object.freeze({
    reconnect: true,
    minDelay: 500,
    maxDelay: 30000,
    factor: 2,
    jitter: 0.5,
    stableAfter: 5000,
    idleTimeout: 0,
  });

  /**
   * A connection to Janus over WebSocket that stays connected: it reconnects with backoff and subscribes again to
   * its topics. Commands are acknowledged in the order they were sent; each returns a promise settled by its ACK.
   *
   * Events (listen with {@link JanusClient#on}, which passes `event.detail`, or with addEventListener):
   * - "state": `{state, previous}`; states are "idle", "connecting", "open", "reconnecting", "closed".
   * - "open": `{token, timestamp, reconnected}` once the server greeted (topics are being subscribed again).
   * - "resubscribed": `{topics}` after a reconnect, once every topic was subscribed again (ACKed).
   * - "message": a {@link JanusMessage}, for every delivery (before the topic's handlers run).
   * - "error": `{code, reason}` the server's error message; the server closes the connection right after.
   * - "close": `{code, reason, wasClean, error, reconnect, delay}`: the WebSocket close code and reason (1006
   *   when the connection just broke or the upgrade was refused), the server error that preceded it if any, and
   *   whether and when (ms) the client reconnects.
   * - "ping": `{}` the server's heartbeat PING (already answered).
   */
  class JanusClient extends EventTarget {
    /** @type {Required<Omit<JanusOptions, "url" | "key" | "WebSocket">>} */
    #options;
    #url;
    #WebSocket;
    #socket = null;
    #state = "idle";
    #token = null;
    /** @type {Map<string, {topic: string, handlers: Set<Function>, confirmed: boolean, waiters: Array<{resolve: Function, reject: Function}>}>} */
    #topics = new Map();
    /** Commands sent and not yet acknowledged, oldest first: the next ACK belongs to #pending[0]. */
    #pending = [];
    #pendingHead = 0;
    #connectWaiters = [];
    #timer = null;
    #idleTimer = null;
    #attempt = 0;
    #openedAt = 0;
    #lastReceived = 0;
    #everOpened = false;
    #serverError = null;

    /** @param {JanusOptions} [options] */
    constructor(options = {}) {
      super();
      this.#options = Object.assign({}, DEFAULTS);
      for (const name of Object.keys(DEFAULTS)) {
        if (options[name] !== undefined) {
          this.#options[name] = options[name];
        }
      }

      this.#url = resolveUrl(options.url, options.key);
      this.#WebSocket = options.WebSocket || global.WebSocket;
      if (typeof this.#WebSocket !== "function") {
        throw new JanusError("no_websocket", "this environment has no WebSocket; pass options.WebSocket");
      }
    }

    /** The WebSocket address in use (with ?key= when a key was given). @type {string} */
    get url() { return this.#url; }

    /** "idle", "connecting", "open", "reconnecting" or "closed". @type {string} */
    get state() { return this.#state; }

    /** The session token of the open connection (32 hex digits), or null. @type {?string} */
    get token() { return this.#token; }

    /** The topics this client is subscribed to (or will be, once connected). @type {string[]} */
    get topics() { return Array.from(this.#topics.keys()); }

    /**
     * Listens to an event; the listener receives the event's detail.
     * @param {string} type "state", "open", "resubscribed", "message", "error", "close" or "ping".
     * @param {(detail: any) => void} listener
     * @returns {() => void} Call it to stop listening.
     */
    on(type, listener) {
      const wrapped = (event) => listener(event.detail);
      this.addEventListener(type, wrapped);
      return () => this.removeEventListener(type, wrapped);
    }

    /**
     * Opens the connection (and keeps it open, reconnecting as configured).
     * @returns {Promise<void>} Resolves when the server greeted; rejects only if close() is called first, or the
     *   first attempt fails with reconnect turned off.
     */
    connect() {
      if (this.#state === "open") {
        return Promise.resolve();
      }

      const promise = new Promise((resolve, reject) => this.#connectWaiters.push({ resolve, reject }));
      if (this.#state === "idle" || this.#state === "closed") {
        this.#attempt = 0;
        this.#openSocket();
      }

      return promise;
    }

    /**
     * Closes the connection for good (until connect() is called again). Subscriptions are kept and made again by
     * the next connect(). Promises still waiting (publishes, subscribes, connect) are rejected.
     * @param {number} [code=1000] A WebSocket close code: 1000 or 3000-4999.
     * @param {string} [reason=""]
     */
    close(code = 1000, reason = "") {
      this.#clearTimers();
      const socket = this.#socket;
      if (socket) {
        this.#detach(socket);
        try {
          socket.close(code, reason);
        } catch (error) {
          report(error);
        }

        this.#closed(code, reason, true, false);
      } else if (this.#state !== "closed") {
        this.#closed(code, reason, true, false);
      }
    }

    /**
     * Subscribes to a topic. Several handlers may share one topic (one subscription on the server).
     * @param {string} topic A non-empty topic name.
     * @param {(message: JanusMessage) => void} handler Called for every message delivered on the topic.
     * @returns {Promise<void>} Resolves when the server acknowledged the subscription: from then on every publish
     *   to the topic reaches this client. When offline, it resolves after the next connection subscribed.
     */
    subscribe(topic, handler) {
      if (typeof topic !== "string" || topic.length === 0) {
        return Promise.reject(new TypeError("topic must be a non-empty string"));
      }

      if (typeof handler !== "function") {
        return Promise.reject(new TypeError("handler must be a function"));
      }

      let entry = this.#topics.get(topic);
      if (entry) {
        entry.handlers.add(handler);
        if (entry.confirmed) {
          return Promise.resolve();
        }
      } else {
        entry = { topic, handlers: new Set([handler]), confirmed: false, waiters: [] };
        this.#topics.set(topic, entry);
        if (this.#state === "open") {
          this.#sendSubscribe(entry, null);
        }
      }

      const subscription = entry;
      return new Promise((resolve, reject) => subscription.waiters.push({ resolve, reject }));
    }

    /**
     * Removes a handler from a topic, or every handler when none is given. The subscription on the server ends when
     * no handler is left.
     * @param {string} topic
     * @param {Function} [handler]
     * @returns {Promise<void>} Resolves when the server acknowledged the unsubscribe (at once when nothing had to be
     *   sent): no delivery on the topic reaches the handlers after that.
     */
    unsubscribe(topic, handler) {
      const entry = this.#topics.get(topic);
      if (!entry) {
        return Promise.resolve();
      }

      if (handler !== undefined) {
        entry.handlers.delete(handler);
        if (entry.handlers.size > 0) {
          return Promise.resolve();
        }
      }

      this.#topics.delete(topic);
      entry.handlers.clear();
      if (this.#state !== "open") {
        // Nothing on the server to undo; a subscribe that was waiting for a connection never happens.
        this.#settleWaiters(entry, new JanusError("unsubscribed", "unsubscribed from " + topic + " before it was subscribed"));
        return Promise.resolve();
      }

      return this.#command(JSON.stringify({ action: "unsubscribe", data: topic }), "unsubscribe");
    }

    /**
     * Publishes a message. Allowed when the page comes from the Janus host itself on a trusted network, or with a key
     * (options.key); otherwise the server answers publish_forbidden and closes the connection (then reconnects).
     * @param {string} topic
     * @param {*} [event] Any JSON value; left out when undefined (subscribers get null).
     * @param {*} [messageId] Any JSON value; left out when undefined.
     * @param {*} [data] Any JSON value; left out when undefined.
     * @returns {Promise<void>} Resolves on the ACK (the message was queued for every subscriber on that node);
     *   rejects with a JanusError when not connected ("not_connected"), when the server refused it (its error code),
     *   or when the connection dropped before the ACK ("connection_closed": it may or may not have been published).
     */
    publish(topic, event, messageId, data) {
      if (typeof topic !== "string" || topic.length === 0) {
        return Promise.reject(new TypeError("topic must be a non-empty string"));
      }

      if (this.#state !== "open") {
        return Promise.reject(new JanusError("not_connected", "not connected (state " + this.#state + ")"));
      }

      const command = { action: "publish", topic };
      if (event !== undefined) command.event = event;
      if (messageId !== undefined) command.message_id = messageId;
      if (data !== undefined) command.data = data;
      return this.#command(JSON.stringify(command), "publish");
    }

    // ---- connection ----

    #openSocket() {
      this.#clearTimers();
      this.#serverError = null;
      this.#setState("connecting");
      let socket;
      try {
        socket = new this.#WebSocket(this.#url, "janus");
      } catch (error) {
        // A malformed URL or a blocked port: retrying will not help.
        this.#closed(1006, String(error && error.message), false, false);
        return;
      }

      this.#socket = socket;
      socket.onmessage = (event) => {
        if (this.#socket === socket && typeof event.data === "string") {
          this.#receive(event.data);
        }
      };
      socket.onclose = (event) => {
        if (this.#socket === socket) {
          this.#detach(socket);
          this.#closed(event.code, event.reason, event.wasClean, this.#options.reconnect);
        }
      };
      // An error event is always followed by a close event, which carries what there is to know.
      socket.onerror = () => {};
    }

    #detach(socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      if (this.#socket === socket) {
        this.#socket = null;
      }
    }

    #receive(text) {
      this.#lastReceived = Date.now();
      if (text === "ACK") {
        this.#acknowledge();
        return;
      }

      if (text === "PING") {
        this.#socket.send("PONG");
        this.#emit("ping", {});
        return;
      }

      if (text === "PONG") {
        return;
      }

      let message;
      try {
        message = JSON.parse(text);
      } catch {
        this.#emit("error", { code: "invalid_message", reason: "the server sent something that is not JSON: " + text.slice(0, 80) });
        return;
      }

      if (message === null || typeof message !== "object") {
        return;
      }

      if (message.error !== undefined) {
        this.#serverError = { code: String(message.error), reason: String(message.reason || "") };
        this.#emit("error", this.#serverError);
      } else if (message.token !== undefined) {
        this.#greeted(message);
      } else if (message.topic !== undefined) {
        this.#deliver(message);
      }
    }

    #greeted(greeting) {
      const reconnected = this.#everOpened;
      this.#everOpened = true;
      this.#token = String(greeting.token);
      this.#openedAt = Date.now();
      this.#setState("open");

      // Subscribe again, in the order topics were first subscribed; the last ACK completes "resubscribed".
      const topics = Array.from(this.#topics.values());
      for (let i = 0; i < topics.length; i++) {
        topics[i].confirmed = false;
        this.#sendSubscribe(topics[i], reconnected && i === topics.length - 1 ? topics.map((t) => t.topic) : null);
      }

      if (this.#options.idleTimeout > 0) {
        const every = Math.max(250, Math.min(5000, this.#options.idleTimeout / 4));
        this.#idleTimer = setInterval(() => this.#checkIdle(), every);
      }

      this.#emit("open", { token: this.#token, timestamp: greeting.timestamp, reconnected });
      const waiters = this.#connectWaiters.splice(0);
      for (const waiter of waiters) {
        waiter.resolve();
      }
    }

    #checkIdle() {
      const socket = this.#socket;
      if (socket && this.#state === "open" && Date.now() - this.#lastReceived > this.#options.idleTimeout) {
        // A half-open connection may take minutes to report its close: stop waiting for it.
        this.#detach(socket);
        try {
          socket.close(4000, "idle_timeout");
        } catch (error) {
          report(error);
        }

        this.#closed(4000, "idle_timeout", false, this.#options.reconnect);
      }
    }

    #closed(code, reason, wasClean, reconnect) {
      this.#clearTimers();
      const error = this.#serverError;
      this.#serverError = null;
      this.#token = null;
      this.#failPending(error);

      let delay = null;
      if (reconnect) {
        if (this.#openedAt !== 0 && Date.now() - this.#openedAt >= this.#options.stableAfter) {
          this.#attempt = 0;
        }

        delay = this.#backoff(this.#attempt++);
      }

      this.#openedAt = 0;
      this.#emit("close", { code, reason, wasClean, error, reconnect, delay });
      if (reconnect) {
        this.#setState("reconnecting");
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#openSocket();
        }, delay);
      } else {
        this.#setState("closed");
        const closedError = new JanusError("closed", "the client was closed");
        for (const waiter of this.#connectWaiters.splice(0)) {
          waiter.reject(closedError);
        }

        for (const entry of this.#topics.values()) {
          this.#settleWaiters(entry, closedError);
        }
      }
    }

    #backoff(attempt) {
      const { minDelay, maxDelay, factor, jitter } = this.#options;
      const base = Math.min(maxDelay, minDelay * Math.pow(factor, attempt));
      return Math.round(base * (1 - jitter * Math.random()));
    }

    #clearTimers() {
      if (this.#timer !== null) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }

      if (this.#idleTimer !== null) {
        clearInterval(this.#idleTimer);
        this.#idleTimer = null;
      }
    }

    #setState(state) {
      const previous = this.#state;
      if (previous !== state) {
        this.#state = state;
        this.#emit("state", { state, previous });
      }
    }

    #emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    // ---- commands and acknowledgements ----

    #sendSubscribe(entry, resubscribed) {
      this.#socket.send(JSON.stringify({ action: "subscribe", data: entry.topic }));
      this.#pending.push({ kind: "subscribe", entry, resubscribed });
    }

    #command(text, kind) {
      return new Promise((resolve, reject) => {
        this.#socket.send(text);
        this.#pending.push({ kind, resolve, reject });
      });
    }

    #acknowledge() {
      if (this.#pendingHead >= this.#pending.length) {
        this.#emit("error", { code: "unexpected_ack", reason: "an ACK arrived with no command waiting for it" });
        return;
      }

      const command = this.#pending[this.#pendingHead];
      this.#pending[this.#pendingHead++] = undefined;
      if (this.#pendingHead > 64 && this.#pendingHead * 2 > this.#pending.length) {
        // Compact now and then rather than shift() on every ACK.
        this.#pending = this.#pending.slice(this.#pendingHead);
        this.#pendingHead = 0;
      }

      if (command.kind === "subscribe") {
        const entry = command.entry;
        entry.confirmed = true;
        this.#settleWaiters(entry, null);
        if (command.resubscribed) {
          this.#emit("resubscribed", { topics: command.resubscribed });
        }
      } else {
        command.resolve();
      }
    }

    #failPending(serverError) {
      const pending = this.#pending.slice(this.#pendingHead);
      this.#pending = [];
      this.#pendingHead = 0;
      for (const command of pending) {
        if (command.kind === "subscribe") {
          // Still wanted: subscribed again on the next connection (or rejected by #closed when there is none).
          command.entry.confirmed = false;
        } else if (command.kind === "unsubscribe") {
          // The session is gone and its subscriptions with it: the unsubscribe has happened.
          command.resolve();
        } else {
          command.reject(serverError
            ? new JanusError(serverError.code, serverError.reason)
            : new JanusError("connection_closed", "the connection closed before the server acknowledged"));
        }
      }

      for (const entry of this.#topics.values()) {
        entry.confirmed = false;
      }
    }

    #settleWaiters(entry, error) {
      const waiters = entry.waiters.splice(0);
      for (const waiter of waiters) {
        if (error) {
          waiter.reject(error);
        } else {
          waiter.resolve();
        }
      }
    }

    #deliver(raw) {
      const receivedAt = now();
      const timestamp = Array.isArray(raw.timestamp) ? raw.timestamp : [0, 0, 0];
      const sentAt = timestampToMillis(timestamp);
      /** @type {JanusMessage} */
      const message = {
        topic: raw.topic,
        event: raw.event === undefined ? null : raw.event,
        messageId: raw.message_id === undefined ? null : raw.message_id,
        data: raw.data === undefined ? null : raw.data,
        timestamp,
        sentAt,
        receivedAt,
        latency: receivedAt - sentAt,
      };
      this.#emit("message", message);
      const entry = this.#topics.get(raw.topic);
      if (!entry) {
        return;
      }

      for (const handler of Array.from(entry.handlers)) {
        try {
          handler(message);
        } catch (error) {
          report(error);
        }
      }
    }
  }

  /**
   * Creates a client and starts connecting.
   * @param {JanusOptions} [options]
   * @returns {JanusClient}
   */
  function connect(options) {
    const client = new JanusClient(options);
    client.connect().catch(() => {});
    return client;
  }

  global.Janus = Object.freeze({
    version: VERSION,
    Client: JanusClient,
    JanusClient,
    JanusError,
    connect,
    timestampToMillis,
  });
})(globalThis);
