/*!
 * janus.js: the browser client for Janus, a publish/subscribe push server.
 *
 * Plain modern JavaScript, no dependencies, no build step. Served by every Janus at /janus.js.
 *   Classic script:  <script src="/janus.js"></script>   then   const client = new Janus.Client();
 *   ES module:       import { JanusClient } from "/janus.mjs";
 *
 * Speaks the protocol of docs/websocket.md: one JSON message per text frame; the server greets with a token, answers
 * every command in order (matched here first in, first out: "ACK", or on an opted-in connection the frames of
 * docs/sessions.md), sends deliveries, heartbeat "PING" (answered "PONG" here) and, before it closes a connection for
 * a fault, {"error":..,"reason":..}. The client reconnects with exponential backoff and jitter. By default it opts in
 * to sessions ("hello"): it tracks each topic's position, resumes its session after a reconnect (or subscribes again
 * from its last positions) and says what could not be recovered ("resumed" event). Guide: docs/janus-js.md.
 */
(function (global) {
  "use strict";

  const VERSION = "1.2.0";

  // Loaded twice (a classic <script> and an import of janus.mjs on one page): keep the first, so classes stay one.
  if (global.Janus && global.Janus.version === VERSION) {
    return;
  }

  /**
   * Options of a {@link JanusClient}. Every field is optional.
   * @typedef {object} JanusOptions
   * @property {string} [url] WebSocket address, e.g. "wss://push.example.com/ws". An http(s) address is turned into
   *   ws(s); a bare origin gets "/ws". Default: "/ws" on the page's own host ("ws:" or "wss:" after the page's scheme).
   * @property {string} [key] API key. Browsers cannot set headers on a WebSocket, and a URL ends up in logs, so it
   *   travels as a second subprotocol offered beside "janus": "janus-key." + the key in base64url (the server never
   *   echoes it). Needed to publish from a page that does not come from the Janus host itself, or from an untrusted
   *   network.
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
   * @property {boolean} [resume=true] Opt in to sessions (docs/sessions.md): positions on every message, a session
   *   the server keeps for a grace period after a drop, resumed on reconnect, and subscribe-from-position. false keeps
   *   the original protocol (a new session and plain subscribes after every reconnect, nothing replayed). A server
   *   that does not know sessions (unknown_action) is spoken to in the original protocol from then on.
   * @property {string|function(): (string|Promise<string>)} [token] A subscribe token (a JWT) for protected topics
   *   (docs/security.md#authorization), sent in the hello frame (or an auth frame), never in the URL. A function is
   *   called before every connection and again tokenRefreshBefore ms before the token expires, so protected
   *   subscriptions go on without a break.
   * @property {number} [tokenRefreshBefore=30000] How long (ms) before the token's expiry a token function is asked for
   *   a fresh one (at most half of the token's remaining life).
   * @property {typeof WebSocket} [WebSocket] The WebSocket class to use (default: the global one).
   */

  /**
   * A topic position: "everything up to and including offset, in this epoch" (docs/sessions.md).
   * @typedef {object} JanusPosition
   * @property {number} offset
   * @property {string} epoch
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
   * @property {?number} offset Its position in the topic (opted-in connections; null otherwise).
   * @property {?string} epoch The epoch of that offset (opted-in connections; null otherwise).
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

  /** The subprotocol that carries a key: "janus-key." + base64url (no padding) of its UTF-8 bytes. */
  function keyProtocol(key) {
    const bytes = new TextEncoder().encode(key);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return "janus-key." + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function resolveUrl(url) {
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
    resume: true,
    token: null,
    tokenRefreshBefore: 30000,
  });

  function isPosition(value) {
    return value !== null && typeof value === "object" && Number.isSafeInteger(value.offset) && value.offset >= 0 &&
      typeof value.epoch === "string";
  }

  function position(value) {
    return { offset: value.offset, epoch: value.epoch };
  }

  /**
   * A connection to Janus over WebSocket that stays connected: it reconnects with backoff and resumes its session
   * (or subscribes again to its topics). Commands are answered in the order they were sent; each returns a promise
   * settled by its answer.
   *
   * Events (listen with {@link JanusClient#on}, which passes `event.detail`, or with addEventListener):
   * - "state": `{state, previous}`; states are "idle", "connecting", "open", "reconnecting", "closed".
   * - "open": `{token, timestamp, reconnected}` once the server greeted (topics are being subscribed again).
   * - "resumed": `{resumed, recovered, reason, topics}` after a reconnect of an opted-in client, once every topic is
   *   back: whether the session was taken over (else `reason`: "expired", "overflowed"; topics were subscribed again
   *   from their positions), whether nothing was missed on any topic, and per topic `{recovered, offset, epoch}`.
   * - "resubscribed": `{topics}` after a reconnect, once every topic is back (resumed, or subscribed again).
   * - "message": a {@link JanusMessage}, for every delivery (before the topic's handlers run).
   * - "error": `{code, reason}` the server's error message; the server closes the connection right after.
   * - "denied": `{topic, code, reason}` a protected topic was refused ("unauthorized") or its subscription ended
   *   ("token_expired", or a fresh token no longer allows it); the connection and the other topics stay. The
   *   topic's handlers are removed and a pending subscribe() rejects with a JanusError of that code.
   * - "close": `{code, reason, wasClean, error, reconnect, delay}`: the WebSocket close code and reason (1006
   *   when the connection just broke or the upgrade was refused), the server error that preceded it if any, and
   *   whether and when (ms) the client reconnects.
   * - "ping": `{}` the server's heartbeat PING (already answered).
   */
  class JanusClient extends EventTarget {
    /** @type {Required<Omit<JanusOptions, "url" | "key" | "WebSocket">>} */
    #options;
    #url;
    #protocols;
    #WebSocket;
    #socket = null;
    #state = "idle";
    #token = null;
    /** @type {Map<string, {topic: string, handlers: Set<Function>, confirmed: boolean, position: ?JanusPosition, waiters: Array<{resolve: Function, reject: Function}>}>} */
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
    /** The subscribe token this connection presents (from options.token), or null. */
    #subscribeToken = null;
    #refreshTimer = null;
    /** This connection sent hello or resume: answers and deliveries follow docs/sessions.md. */
    #optedIn = false;
    /** The server answered hello with unknown_action: speak the original protocol to it from now on. */
    #sessionsUnsupported = false;
    /** The server's hello answer says it keeps sessions for a resume. */
    #serverResumes = true;
    /** The token of the opted-in session the server may be keeping for us, or null. */
    #resumeToken = null;
    /** Bringing the topics back after a reconnect: {reconnected, resumed, reason, left, topics}. */
    #restore = null;
    /** Topics unsubscribed while a kept session may still hold them: unsubscribed after a resume. */
    #dropped = new Set();
    /** A page that goes away ends its session rather than leaving it to wait for a resume that cannot come. */
    #onPageHide = (event) => {
      if (!event.persisted && this.#state !== "idle" && this.#state !== "closed") {
        this.close(1000, "page_hidden");
      }
    };

    /** @param {JanusOptions} [options] */
    constructor(options = {}) {
      super();
      this.#options = Object.assign({}, DEFAULTS);
      for (const name of Object.keys(DEFAULTS)) {
        if (options[name] !== undefined) {
          this.#options[name] = options[name];
        }
      }

      this.#url = resolveUrl(options.url);
      this.#protocols = options.key ? ["janus", keyProtocol(options.key)] : "janus";
      this.#WebSocket = options.WebSocket || global.WebSocket;
      if (typeof this.#WebSocket !== "function") {
        throw new JanusError("no_websocket", "this environment has no WebSocket; pass options.WebSocket");
      }
    }

    /** The WebSocket address in use (never with a key in it). @type {string} */
    get url() { return this.#url; }

    /** "idle", "connecting", "open", "reconnecting" or "closed". @type {string} */
    get state() { return this.#state; }

    /** The session token of the open connection (32 hex digits), or null. @type {?string} */
    get token() { return this.#token; }

    /** The topics this client is subscribed to (or will be, once connected). @type {string[]} */
    get topics() { return Array.from(this.#topics.keys()); }

    /**
     * The last position of each topic that has one (opted in): what the page has received, as `{offset, epoch}`. Save
     * it to pass as `since` to subscribe() on a later page.
     * @type {Object<string, JanusPosition>}
     */
    get positions() {
      const positions = {};
      for (const entry of this.#topics.values()) {
        if (entry.position) {
          positions[entry.topic] = position(entry.position);
        }
      }

      return positions;
    }

    /** Whether the open connection opted in to sessions (hello or resume sent). @type {boolean} */
    get resumable() { return this.#connected && this.#optedIn; }

    /**
     * Greeted and not yet closed. Not the same as state "open": "close" listeners run while the state still says
     * "open" and the socket is already gone, and what they do must wait for the next connection.
     */
    get #connected() { return this.#state === "open" && this.#socket !== null; }

    /**
     * Listens to an event; the listener receives the event's detail.
     * @param {string} type "state", "open", "resumed", "resubscribed", "message", "error", "close" or "ping".
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
        if (typeof global.addEventListener === "function") {
          global.addEventListener("pagehide", this.#onPageHide);
        }

        this.#attempt = 0;
        this.#openSocket();
      }

      return promise;
    }

    /**
     * Closes the connection for good (until connect() is called again). An opted-in connection says "bye" first, so
     * the server ends the session at once instead of keeping it for a resume. Called by itself when the page goes
     * away (pagehide, unless into the back/forward cache). Subscriptions (and their positions) are
     * kept and made again by the next connect(). Promises still waiting (publishes, subscribes, connect) are rejected.
     * @param {number} [code=1000] A WebSocket close code: 1000 or 3000-4999.
     * @param {string} [reason=""]
     */
    close(code = 1000, reason = "") {
      this.#clearTimers();
      if (typeof global.removeEventListener === "function") {
        global.removeEventListener("pagehide", this.#onPageHide);
      }

      const socket = this.#socket;
      this.#resumeToken = null;
      this.#dropped.clear();
      if (socket) {
        this.#detach(socket);
        try {
          if (this.#optedIn && socket.readyState === 1) {
            socket.send(JSON.stringify({ action: "bye" }));
          }

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
     * @param {{since?: JanusPosition}} [options] `since`: a position this page (or an earlier one) reached; an
     *   opted-in client then receives what was published after it from the topic's history first. Only for a topic
     *   this client does not hold yet.
     * @returns {Promise<{topic: string, offset: ?number, epoch: ?string, recovered: boolean}>} Resolves when the
     *   server acknowledged the subscription: from then on every publish to the topic reaches this client. Opted in,
     *   with the topic's position and whether everything after `since` follows (`recovered`; true without `since`).
     *   When offline, it resolves after the next connection subscribed.
     */
    subscribe(topic, handler, options) {
      if (typeof topic !== "string" || topic.length === 0) {
        return Promise.reject(new TypeError("topic must be a non-empty string"));
      }

      if (typeof handler !== "function") {
        return Promise.reject(new TypeError("handler must be a function"));
      }

      const since = options && options.since !== undefined ? options.since : null;
      if (since !== null && !isPosition(since)) {
        return Promise.reject(new TypeError("since must be a position {offset, epoch}"));
      }

      let entry = this.#topics.get(topic);
      if (entry) {
        entry.handlers.add(handler);
        if (entry.confirmed) {
          return Promise.resolve(this.#subscription(entry, null, true));
        }
      } else {
        entry = { topic, handlers: new Set([handler]), confirmed: false, position: since ? position(since) : null, waiters: [] };
        this.#topics.set(topic, entry);
        this.#dropped.delete(topic);
        if (this.#connected && (this.#restore === null || this.#restore.resumed !== null)) {
          // While a resume is in flight, the topic waits for its answer (resume must come before any subscribe).
          this.#sendSubscribe(entry, false);
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
      const resuming = this.#restore !== null && this.#restore.resumed === null;
      if (this.#resumeToken !== null && (!this.#connected || resuming)) {
        this.#dropped.add(topic);
      }

      if (!this.#connected) {
        // Nothing on the server to undo; a subscribe that was waiting for a connection never happens.
        this.#settleWaiters(entry, new JanusError("unsubscribed", "unsubscribed from " + topic + " before it was subscribed"));
        return Promise.resolve();
      }

      if (resuming) {
        // A resume is in flight: the topic is unsubscribed after its answer.
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

      if (!this.#connected) {
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
      this.#optedIn = false;
      this.#restore = null;
      this.#setState("connecting");
      const token = this.#options.token;
      if (typeof token !== "function") {
        this.#subscribeToken = typeof token === "string" && token.length > 0 ? token : null;
        this.#openSocketNow();
        return;
      }

      // A token function is asked before every connection; close() while it runs wins.
      Promise.resolve().then(() => token()).then((fresh) => {
        if (this.#state === "connecting" && this.#socket === null) {
          this.#subscribeToken = typeof fresh === "string" && fresh.length > 0 ? fresh : null;
          this.#openSocketNow();
        }
      }, (error) => {
        if (this.#state === "connecting" && this.#socket === null) {
          this.#emit("error", { code: "token_failed", reason: String(error && error.message ? error.message : error) });
          this.#closed(1006, "token_failed", false, this.#options.reconnect);
        }
      });
    }

    #openSocketNow() {
      let socket;
      try {
        socket = new this.#WebSocket(this.#url, this.#protocols);
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
        this.#answered("ack", null);
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

      if (message.error !== undefined && typeof message.topic === "string") {
        // A topic error: one protected topic refused or ended; the connection stays.
        this.#denied(message.topic, String(message.error), String(message.reason || ""));
      } else if (message.error !== undefined) {
        this.#serverError = { code: String(message.error), reason: String(message.reason || "") };
        this.#serverRefused(this.#serverError.code);
        this.#emit("error", this.#serverError);
      } else if (message.token !== undefined) {
        this.#greeted(message);
      } else if (message.topic !== undefined) {
        this.#deliver(message);
      } else if (message.subscribed !== undefined) {
        this.#answered("subscribed", message);
      } else if (message.hello !== undefined) {
        this.#answered("hello", message);
      } else if (message.resumed !== undefined) {
        this.#answered("resume", message);
      } else if (message.auth !== undefined) {
        this.#answered("auth", message);
      }
    }

    /** A topic error: it answers the oldest command if that is a subscribe of the topic, else it ended a subscription. */
    #denied(topic, code, reason) {
      const head = this.#pendingHead < this.#pending.length ? this.#pending[this.#pendingHead] : null;
      const entry = this.#topics.get(topic);
      if (head !== null && head.kind === "subscribe" && head.entry.topic === topic) {
        this.#pending[this.#pendingHead++] = undefined;
        if (head.restoring && this.#restore !== null) {
          this.#restore.topics[topic] = { recovered: false, offset: null, epoch: null };
          this.#restore.left--;
        }
      }

      if (entry) {
        this.#topics.delete(topic);
        entry.handlers.clear();
        this.#settleWaiters(entry, new JanusError(code, reason));
      }

      this.#emit("denied", { topic, code, reason });
      if (head !== null && head.kind === "subscribe" && head.restoring) {
        this.#restoreProgress();
      }
    }

    /** What an error the server closes with means for the session (the close that follows reconnects as usual). */
    #serverRefused(code) {
      const head = this.#pendingHead < this.#pending.length ? this.#pending[this.#pendingHead] : null;
      if (code === "unknown_action" && head && (head.kind === "hello" || head.kind === "resume")) {
        // A Janus from before sessions: the next connection speaks the original protocol.
        this.#sessionsUnsupported = true;
        this.#resumeToken = null;
      } else if (code === "invalid_resume" || code === "session_taken") {
        // The session is not ours to resume (another connection took it, or the server refused the token): the
        // next connection starts a fresh one and subscribes from its positions.
        this.#resumeToken = null;
      }
    }

    #greeted(greeting) {
      const reconnected = this.#everOpened;
      this.#everOpened = true;
      this.#token = String(greeting.token);
      this.#openedAt = Date.now();
      this.#setState("open");

      const topics = Array.from(this.#topics.values());
      for (const entry of topics) {
        entry.confirmed = false;
      }

      // Bring the topics back, in the order they were first subscribed; "resumed" / "resubscribed" when all are.
      this.#restore = topics.length > 0 ? { reconnected, resumed: null, reason: null, left: 0, topics: {} } : null;
      for (const entry of topics) {
        // Reported in this order, once each topic's answer is in.
        this.#restore.topics[entry.topic] = null;
      }

      if (!this.#options.resume || this.#sessionsUnsupported) {
        this.#sendAuth();
        if (this.#restore !== null) {
          this.#restore.resumed = false;
        }

        for (const entry of topics) {
          this.#sendSubscribe(entry, true);
        }
      } else if (this.#resumeToken !== null && this.#restore !== null && this.#serverResumes) {
        // Take the old session over; nothing else is sent until its answer says what is left to do.
        const positions = {};
        for (const entry of topics) {
          if (entry.position) {
            positions[entry.topic] = position(entry.position);
          }
        }

        this.#optedIn = true;
        this.#sendAuth();
        this.#socket.send(JSON.stringify({ action: "resume", data: this.#resumeToken, positions }));
        this.#pending.push({ kind: "resume" });
      } else {
        this.#optedIn = true;
        this.#socket.send(JSON.stringify(this.#subscribeToken !== null ? { action: "hello", token: this.#subscribeToken } : { action: "hello" }));
        this.#pending.push({ kind: "hello" });
        // From here the server keeps this session for a resume if the connection drops (unless hello says otherwise).
        this.#resumeToken = this.#token;
        if (this.#restore !== null) {
          this.#restore.resumed = false;
        }

        for (const entry of topics) {
          this.#sendSubscribe(entry, true);
        }
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

    /** Presents the subscribe token on its own (no hello to carry it): before a resume, or without sessions. */
    #sendAuth() {
      if (this.#subscribeToken !== null) {
        this.#socket.send(JSON.stringify({ action: "auth", token: this.#subscribeToken }));
        this.#pending.push({ kind: "auth" });
      }
    }

    /** The server accepted a token and said when it expires: a token function is asked for the next one in time. */
    #tokenAccepted(auth) {
      if (this.#refreshTimer !== null) {
        clearTimeout(this.#refreshTimer);
        this.#refreshTimer = null;
      }

      const token = this.#options.token;
      if (typeof token !== "function" || auth === null || typeof auth !== "object" || !Number.isFinite(auth.exp)) {
        return;
      }

      const left = auth.exp * 1000 - Date.now();
      const wait = Math.max(0, left - Math.min(this.#options.tokenRefreshBefore, left / 2));
      const socket = this.#socket;
      this.#refreshTimer = setTimeout(() => {
        this.#refreshTimer = null;
        Promise.resolve().then(() => token()).then((fresh) => {
          if (this.#socket === socket && this.#connected && typeof fresh === "string" && fresh.length > 0) {
            this.#subscribeToken = fresh;
            this.#sendAuth();
          }
        }, (error) => {
          this.#emit("error", { code: "token_failed", reason: String(error && error.message ? error.message : error) });
        });
      }, wait);
    }

    #closed(code, reason, wasClean, reconnect) {
      this.#clearTimers();
      const error = this.#serverError;
      this.#serverError = null;
      this.#token = null;
      this.#restore = null;
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

      if (this.#refreshTimer !== null) {
        clearTimeout(this.#refreshTimer);
        this.#refreshTimer = null;
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

    /** Subscribes to entry's topic (from its position when there is one); `restoring` counts it in #restore. */
    #sendSubscribe(entry, restoring) {
      const command = { action: "subscribe", data: entry.topic };
      let since = null;
      if (this.#optedIn && entry.position) {
        since = position(entry.position);
        command.since = since;
      }

      this.#socket.send(JSON.stringify(command));
      restoring = restoring && this.#restore !== null;
      if (restoring) {
        this.#restore.left++;
      }

      this.#pending.push({ kind: "subscribe", entry, since, restoring, hadPosition: entry.position !== null });
    }

    #command(text, kind) {
      return new Promise((resolve, reject) => {
        this.#socket.send(text);
        this.#pending.push({ kind, resolve, reject });
      });
    }

    /**
     * Settles the oldest command waiting for an answer. The server answers commands in the order they came, each with
     * one frame: "ACK", or on an opted-in connection {"hello"}, {"resumed"} and {"subscribed"} for those commands;
     * {"auth"} answers auth.
     * @param {"ack"|"subscribed"|"hello"|"resume"|"auth"} kind
     * @param {?object} message The answer's JSON (null for ACK).
     */
    #answered(kind, message) {
      const command = this.#pendingHead < this.#pending.length ? this.#pending[this.#pendingHead] : null;
      const expected = command === null ? false
        : command.kind === "subscribe" ? kind === "ack" || kind === "subscribed"
          : command.kind === "hello" || command.kind === "resume" || command.kind === "auth" ? kind === command.kind
            : kind === "ack";
      if (!expected) {
        const what = kind === "ack" ? "an ACK" : "a " + JSON.stringify(kind) + " answer";
        this.#emit("error", {
          code: kind === "ack" ? "unexpected_ack" : "unexpected_answer",
          reason: what + " arrived " + (command ? "while a " + command.kind + " waited for its answer" : "with no command waiting for it"),
        });
        return;
      }

      this.#pending[this.#pendingHead++] = undefined;
      if (this.#pendingHead > 64 && this.#pendingHead * 2 > this.#pending.length) {
        // Compact now and then rather than shift() on every answer.
        this.#pending = this.#pending.slice(this.#pendingHead);
        this.#pendingHead = 0;
      }

      switch (command.kind) {
        case "subscribe":
          this.#subscribed(command, message);
          break;
        case "hello":
          this.#helloAnswered(message.hello);
          this.#tokenAccepted(message.hello && typeof message.hello === "object" ? message.hello.auth || null : null);
          break;
        case "auth":
          this.#tokenAccepted(message.auth);
          break;
        case "resume":
          this.#resumeAnswered(message);
          break;
        default:
          command.resolve();
          break;
      }
    }

    #subscribed(command, answer) {
      const entry = command.entry;
      // An ACK (the original protocol) replays nothing: a position the page had is not caught up from.
      let recovered = answer !== null || !command.hadPosition;
      let current = null;
      if (answer !== null) {
        current = isPosition(answer) ? position(answer) : null;
        if (command.since !== null) {
          recovered = answer.recovered === true;
        }

        // Recovered: the history from `since` on follows and moves the position as it arrives. Otherwise live
        // messages start after the answer's position.
        if (current !== null && (command.since === null || !recovered)) {
          entry.position = current;
        }
      }

      // Settled even when unsubscribe() came meanwhile: the server did subscribe, and its ACK came first.
      entry.confirmed = true;
      this.#settleWaiters(entry, null, this.#subscription(entry, current, recovered));

      if (command.restoring && this.#restore !== null) {
        this.#restore.topics[entry.topic] = { recovered, offset: current ? current.offset : null, epoch: current ? current.epoch : null };
        this.#restore.left--;
        this.#restoreProgress();
      }
    }

    #subscription(entry, current, recovered) {
      const at = current || entry.position;
      return { topic: entry.topic, offset: at ? at.offset : null, epoch: at ? at.epoch : null, recovered };
    }

    #helloAnswered(hello) {
      // A server may offer positions without keeping sessions for a resume.
      this.#serverResumes = !(hello && typeof hello === "object" && hello.resume === false);
      if (!this.#serverResumes) {
        this.#resumeToken = null;
      }
    }

    #resumeAnswered(answer) {
      const restore = this.#restore;
      const topics = answer.topics !== null && typeof answer.topics === "object" ? answer.topics : {};
      if (answer.resumed === true) {
        // This connection now carries the old session, its token and its subscriptions.
        this.#token = this.#resumeToken;
        restore.resumed = true;
        for (const entry of this.#topics.values()) {
          const state = topics[entry.topic];
          if (entry.position && state !== null && typeof state === "object") {
            // Queued and history messages follow and move the position; one not recovered keeps its old position
            // until they do, so a second drop meanwhile reports the gap again rather than hiding it.
            entry.confirmed = true;
            const recovered = state.recovered === true;
            const current = isPosition(state) ? position(state) : null;
            restore.topics[entry.topic] = { recovered, offset: current ? current.offset : null, epoch: current ? current.epoch : null };
            this.#settleWaiters(entry, null, this.#subscription(entry, current, recovered));
          } else {
            // Subscribed after the drop, or never confirmed: the session may not hold it.
            this.#sendSubscribe(entry, true);
          }
        }

        const dropped = new Set([...this.#dropped, ...Object.keys(topics)]);
        this.#dropped.clear();
        for (const topic of dropped) {
          if (!this.#topics.has(topic)) {
            // Unsubscribed while the connection was down: the session still holds it.
            this.#socket.send(JSON.stringify({ action: "unsubscribe", data: topic }));
            this.#pending.push({ kind: "unsubscribe", resolve() {}, reject() {} });
          }
        }
      } else {
        // The session is gone (expired, overflowed): this connection keeps the fresh, opted-in session of its
        // greeting; every topic is subscribed again from its position, and each answer says what was recovered.
        this.#resumeToken = this.#token;
        this.#dropped.clear();
        restore.resumed = false;
        restore.reason = typeof answer.reason === "string" ? answer.reason : null;
        for (const entry of this.#topics.values()) {
          this.#sendSubscribe(entry, true);
        }
      }

      this.#restoreProgress();
    }

    /** Once every topic of a reconnect is back: "resumed" (opted in) and "resubscribed". */
    #restoreProgress() {
      const restore = this.#restore;
      if (restore === null || restore.resumed === null || restore.left > 0) {
        return;
      }

      this.#restore = null;
      if (!restore.reconnected) {
        return;
      }

      const topics = {};
      let recovered = true;
      for (const topic of Object.keys(restore.topics)) {
        const state = restore.topics[topic];
        if (state !== null) {
          topics[topic] = state;
          recovered = recovered && state.recovered;
        }
      }

      if (this.#optedIn) {
        this.#emit("resumed", { resumed: restore.resumed, recovered, reason: restore.reason, topics });
      }

      this.#emit("resubscribed", { topics: Object.keys(topics) });
    }

    #failPending(serverError) {
      const pending = this.#pending.slice(this.#pendingHead);
      this.#pending = [];
      this.#pendingHead = 0;
      for (const command of pending) {
        if (command.kind === "subscribe") {
          // Still wanted: subscribed again on the next connection (or rejected by #closed when there is none).
          command.entry.confirmed = false;
        } else if (command.kind === "hello" || command.kind === "resume" || command.kind === "auth") {
          // Sent again by the next connection.
        } else if (command.kind === "unsubscribe") {
          // Its handlers are gone; the session's subscription ended with it, or a resume answer will show it is
          // still there and unsubscribe it then.
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

    #settleWaiters(entry, error, value) {
      const waiters = entry.waiters.splice(0);
      for (const waiter of waiters) {
        if (error) {
          waiter.reject(error);
        } else {
          waiter.resolve(value);
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
        offset: null,
        epoch: null,
      };
      const entry = this.#topics.get(raw.topic);
      if (isPosition(raw)) {
        message.offset = raw.offset;
        message.epoch = raw.epoch;
        if (entry) {
          // What a resume or a subscribe from a position starts after.
          entry.position = position(raw);
        }
      }

      this.#emit("message", message);
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
