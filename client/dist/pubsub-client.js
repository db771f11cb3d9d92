// @pubsub/client: a small typed client for the pubsub gateway, for browsers
// (a plain <script type="module"> or a bundler) and Node (pass `ws`).
//
// One WebSocket per subscription (the gateway serves one topic per socket).
// A subscription reconnects by itself with full-jitter exponential backoff and,
// on a channel with history, resumes where it left off with the recovery
// protocol of docs/history.md: `?since=now` the first time, `?since=<last
// position>` after that; a `"recovered":false` verdict or control is adopted
// and reported, never a silent gap.
//
//   import { PubSubClient } from "/client/pubsub-client.js";
//   import { channels, type Channels } from "./sample_schema.js";   // generated
//
//   const client = new PubSubClient<Channels>({ channels, token: () => fetchJwt() });
//   const sub = client.subscribe("track_comments", { track_id: "42" }, {
//     new_comment: (e) => render(e.data.content),      // e: NewComment
//     comment_deleted: (e) => remove(e.data.id),       // e: CommentDeleted
//   }, {
//     onRecovery: (r) => { if (!r.recovered) reloadComments(); },
//     onState: (state) => showState(state),
//   });
//   ...
//   sub.close();     // or client.close(): every subscription, code 1000, no reconnect
//
// Threading: none; everything runs on the caller's event loop. Handlers run one
// at a time, in the order the gateway sent the events; a handler that returns
// a promise is awaited before the next event (and before its position is
// stored).
// ---------------------------------------------------------------------------
// Position stores.
/** Positions in memory: they survive reconnects, not page reloads. */
export class MemoryPositionStore {
    constructor() {
        this.positions = new Map();
    }
    get(key) {
        return this.positions.get(key);
    }
    set(key, position) {
        this.positions.set(key, position);
    }
    delete(key) {
        this.positions.delete(key);
    }
}
/**
 * Positions in `localStorage` (or any Storage), so a reloaded page recovers
 * what it missed, within what the channel keeps. Storage errors (quota,
 * private mode) are ignored: the client then behaves as with no position.
 */
export function localStoragePositions(prefix = "pubsub-position:", storage = globalThis.localStorage) {
    return {
        get(key) {
            try {
                return storage.getItem(prefix + key);
            }
            catch {
                return null;
            }
        },
        set(key, position) {
            try {
                storage.setItem(prefix + key, position);
            }
            catch {
                // Quota or private mode: keep going without durability.
            }
        },
        delete(key) {
            try {
                storage.removeItem(prefix + key);
            }
            catch {
                // As above.
            }
        },
    };
}
// ---------------------------------------------------------------------------
// Helpers (exported for tests and for applications that build their own).
/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(attempt, backoff = {}, random = Math.random) {
    const initial = backoff.initialMs ?? 500;
    const max = backoff.maxMs ?? 30000;
    const cap = Math.min(max, initial * Math.pow(2, Math.min(attempt, 30)));
    return Math.floor(random() * cap);
}
/** Fills a path template: ("/ws/comments/{track_id}", {track_id: "42"}) -> "/ws/comments/42". */
export function fillPath(template, params) {
    return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name) => {
        const value = params[name];
        if (typeof value !== "string" || value === "") {
            throw new TypeError(`missing path parameter "${name}" for ${template}`);
        }
        return encodeURIComponent(value);
    });
}
// Close codes that mean "reconnect cannot help" when the HTTP status of a
// refused upgrade is known: a malformed request, a forbidden channel (role),
// an unknown path, a method or upgrade the gateway refuses.
const kFinalStatuses = new Set([400, 403, 404, 405, 426]);
// 1013 "try again later" before the verdict, this many times in a row: the
// client gives up replaying and starts from now (docs/history.md).
const kMaxRefusedRecoveries = 2;
function sameOriginUrl() {
    const location = globalThis.location;
    if (location === undefined) {
        throw new TypeError("PubSubClient: no `url` given and no page origin to default to");
    }
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
}
function normalizeBase(url) {
    return url.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
}
// The user a token names (a JWT's "sub"), for keeping personal channels'
// positions per user. Opaque tokens give "".
function tokenSubject(token) {
    const parts = token.split(".");
    if (parts.length !== 3)
        return "";
    try {
        const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
        const sub = JSON.parse(json).sub;
        return typeof sub === "string" ? sub : "";
    }
    catch {
        return "";
    }
}
// The event's own JSON text inside a recovery-protocol frame, which the
// gateway writes as {"position":"P","event":EVENT} or {"event":EVENT}.
function eventText(frameText, position, event) {
    const prefix = position === undefined ? '{"event":' : `{"position":${JSON.stringify(position)},"event":`;
    if (frameText.startsWith(prefix) && frameText.endsWith("}")) {
        return frameText.slice(prefix.length, -1);
    }
    return JSON.stringify(event);
}
function messageText(data) {
    if (typeof data === "string")
        return data;
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
        return new TextDecoder().decode(data);
    }
    return String(data);
}
/**
 * A client of one gateway (or a set of replicas), typed by the generated
 * channel map `C`. Subscriptions share its options; each has its own socket.
 */
export class PubSubClient {
    constructor(options) {
        this.subscriptions = new Set();
        this.listeners = {
            state: new Set(),
            recovery: new Set(),
            error: new Set(),
        };
        this.urlIndex = 0;
        if (options === null || typeof options !== "object" || !options.channels) {
            throw new TypeError("PubSubClient: `channels` (the generated channel table) is required");
        }
        this.options = options;
        this.storage = options.storage ?? new MemoryPositionStore();
    }
    /**
     * Subscribes to one topic of `channel`: its socket opens now and reconnects
     * until `close()`. `handlers` has one optional function per event type of
     * the channel.
     */
    subscribe(channel, params, handlers, options = {}) {
        const descriptor = this.options.channels[channel];
        if (descriptor === undefined) {
            throw new TypeError(`PubSubClient: unknown channel "${String(channel)}"`);
        }
        const path = fillPath(descriptor.path, (params ?? {}));
        const subscription = new SubscriptionImpl(this, String(channel), descriptor, path, handlers, options);
        this.subscriptions.add(subscription);
        subscription.start();
        return subscription;
    }
    /** Listens to every subscription's state changes, recoveries or errors; returns a function that stops listening. */
    on(type, listener) {
        const set = this.listeners[type];
        set.add(listener);
        return () => set.delete(listener);
    }
    /** Closes every subscription (code 1000, no reconnect). */
    close() {
        for (const subscription of [...this.subscriptions])
            subscription.close();
    }
    // --- for SubscriptionImpl ---
    /** @internal */
    emit(type, event) {
        for (const listener of [...this.listeners[type]]) {
            try {
                listener(event);
            }
            catch (error) {
                console.error("PubSubClient listener failed:", error);
            }
        }
    }
    /** @internal */
    forget(subscription) {
        this.subscriptions.delete(subscription);
    }
    /** @internal */
    get settings() {
        return this.options;
    }
    /** @internal */
    get positions() {
        return this.storage;
    }
    /** @internal The base URL for the next attempt. */
    nextUrl(attempt) {
        const url = this.options.url;
        if (url === undefined)
            return sameOriginUrl();
        if (typeof url === "string")
            return normalizeBase(url);
        if (typeof url === "function")
            return normalizeBase(url(attempt));
        if (url.length === 0)
            throw new TypeError("PubSubClient: `url` is an empty list");
        return normalizeBase(url[this.urlIndex++ % url.length]);
    }
    /** @internal */
    async token() {
        const token = this.options.token;
        return typeof token === "function" ? await token() : token;
    }
}
class SubscriptionImpl {
    constructor(client, channel, descriptor, path, handlers, options) {
        this.client = client;
        this.channel = channel;
        this.descriptor = descriptor;
        this.path = path;
        this.handlers = handlers;
        this.options = options;
        this.state = "connecting";
        this.position = undefined;
        this.socket = null;
        this.closed = false;
        this.attempt = 0; // attempts since the last success, for the backoff
        this.totalAttempts = 0;
        this.failedOpens = 0; // in a row
        this.refusedRecoveries = 0; // 1013 before a verdict, in a row
        this.fallbackReason = null;
        this.timer = undefined;
        // Frames are applied one at a time, in order, across sockets.
        this.queue = Promise.resolve();
    }
    start() {
        this.setState("connecting", { attempt: 0 });
        void this.connect();
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        if (this.timer !== undefined)
            clearTimeout(this.timer);
        const socket = this.socket;
        this.socket = null;
        if (socket !== null) {
            try {
                socket.close(1000, "closed by the application");
            }
            catch {
                // Already closing.
            }
        }
        this.client.forget(this);
        this.setState("closed", { attempt: this.attempt, code: 1000, reason: "closed by the application" });
    }
    async connect() {
        this.timer = undefined;
        // The previous socket's frames are applied first: the position is current.
        await this.queue;
        if (this.closed)
            return;
        const settings = this.client.settings;
        const attempt = this.totalAttempts++;
        let base;
        let token;
        let since;
        let key = "";
        try {
            base = this.client.nextUrl(attempt);
            token = await this.client.token();
            if (this.descriptor.history) {
                key = this.positionKey(token);
                const stored = (await this.client.positions.get(key)) ?? undefined;
                since = stored || "now";
                if (stored && this.refusedRecoveries >= kMaxRefusedRecoveries) {
                    // Too much to replay at once: start from now; the app must reload.
                    await this.client.positions.delete(key);
                    since = "now";
                    this.fallbackReason = "too many missed events to replay (closed with 1013 before a verdict)";
                }
                this.position = stored || this.position;
            }
        }
        catch (error) {
            this.reportError(error);
            if (!this.closed)
                this.retry({ attempt: this.attempt, reason: String(error) });
            return;
        }
        if (this.closed)
            return;
        const query = new URLSearchParams(settings.query ?? {});
        if (since !== undefined)
            query.set("since", since);
        const search = query.toString();
        const url = base + this.path + (search ? "?" + search : "");
        const WebSocketImpl = settings.WebSocket ?? globalThis.WebSocket;
        if (WebSocketImpl === undefined) {
            this.finish({ attempt: this.attempt, url, reason: "no WebSocket implementation (pass `WebSocket`)" });
            return;
        }
        let socket;
        try {
            socket = token ? new WebSocketImpl(url, ["bearer", token]) : new WebSocketImpl(url);
        }
        catch (error) {
            // A malformed URL or token: trying again cannot help.
            this.reportError(error);
            this.finish({ attempt: this.attempt, url, reason: String(error) });
            return;
        }
        this.socket = socket;
        const recovery = since !== undefined;
        let opened = false;
        let verdict = false;
        let status;
        socket.onopen = () => {
            if (socket !== this.socket)
                return;
            opened = true;
            this.failedOpens = 0;
            if (!recovery)
                this.attempt = 0;
            this.setState("open", { url, attempt: this.attempt });
        };
        socket.onmessage = (message) => {
            if (socket !== this.socket)
                return;
            const text = messageText(message.data);
            let frame;
            try {
                frame = JSON.parse(text);
            }
            catch (error) {
                this.reportError(new Error(`not JSON: ${text.slice(0, 100)}`));
                return;
            }
            let first = false;
            if (recovery && frame?.control === "recovery" && !verdict) {
                verdict = true;
                first = true;
                this.attempt = 0;
                this.refusedRecoveries = 0;
            }
            this.queue = this.queue.then(() => this.apply(frame, text, recovery, first, key));
        };
        socket.onerror = (event) => {
            // Node's ws says "Unexpected server response: 403"; browsers say nothing.
            const match = /Unexpected server response: (\d{3})/.exec(String(event?.message ?? ""));
            if (match)
                status = Number(match[1]);
        };
        socket.onclose = (event) => {
            if (socket !== this.socket)
                return;
            this.socket = null;
            const detail = {
                url,
                attempt: this.attempt,
                code: event?.code,
                reason: event?.reason,
                wasClean: event?.wasClean,
                opened,
            };
            if (status !== undefined)
                detail.status = status;
            if (!opened) {
                this.failedOpens++;
                if (status !== undefined && kFinalStatuses.has(status)) {
                    this.finish({ ...detail, reason: `refused with HTTP ${status}` });
                    return;
                }
                const limit = settings.maxFailedOpens;
                if (limit !== undefined && this.failedOpens >= limit) {
                    this.finish({ ...detail, reason: `gave up after ${this.failedOpens} failed connection attempts` });
                    return;
                }
            }
            if (recovery && !verdict && event?.code === 1013)
                this.refusedRecoveries++;
            this.retry(detail);
        };
    }
    // Applies one frame: the handler first, then the position.
    async apply(frame, text, recovery, first, key) {
        if (this.closed)
            return;
        if (!recovery) {
            await this.dispatch(frame, { channel: this.channel, raw: text });
            return;
        }
        const f = (frame ?? {});
        const position = typeof f.position === "string" ? f.position : undefined;
        if (f.control === "recovery") {
            const info = { recovered: f.recovered === true, midStream: !first };
            if (position !== undefined)
                info.position = position;
            if (typeof f.reason === "string")
                info.reason = f.reason;
            if (first && this.fallbackReason !== null) {
                info.recovered = false;
                info.reason = this.fallbackReason;
                this.fallbackReason = null;
            }
            if (position !== undefined)
                await this.store(key, position);
            this.safely(() => this.options.onRecovery?.(info));
            this.client.emit("recovery", { channel: this.channel, path: this.path, ...info });
            return;
        }
        if (f.event !== undefined && f.event !== null && typeof f.event === "object") {
            const meta = { channel: this.channel, raw: eventText(text, position, f.event) };
            if (position !== undefined)
                meta.position = position;
            await this.dispatch(f.event, meta);
            if (position !== undefined)
                await this.store(key, position);
        }
        // Anything else is a frame of a newer protocol: ignored.
    }
    async dispatch(event, meta) {
        if (this.closed)
            return;
        const type = event?.type;
        const handler = typeof type === "string" && Object.prototype.hasOwnProperty.call(this.handlers, type)
            ? this.handlers[type]
            : undefined;
        try {
            if (handler)
                await handler(event, meta);
            if (this.options.onEvent)
                await this.options.onEvent(event, meta);
        }
        catch (error) {
            // The event is not redelivered: its position is stored anyway, or a
            // reconnect would replay it forever.
            this.reportError(error);
        }
    }
    async store(key, position) {
        this.position = position;
        try {
            await this.client.positions.set(key, position);
        }
        catch (error) {
            this.reportError(error);
        }
    }
    retry(detail) {
        const delayMs = backoffDelay(this.attempt, this.client.settings.backoff);
        this.attempt++;
        this.setState("reconnecting", { ...detail, attempt: this.attempt, delayMs });
        this.timer = setTimeout(() => void this.connect(), delayMs);
    }
    finish(detail) {
        this.closed = true;
        this.client.forget(this);
        this.setState("closed", detail);
    }
    // One position per topic: the path, and for a personal channel the user.
    positionKey(token) {
        if (this.descriptor.access !== "personal")
            return this.path;
        const user = this.client.settings.query?.user_id ?? (token ? tokenSubject(token) : "");
        return `${this.path}@${user}`;
    }
    setState(state, detail) {
        this.state = state;
        this.safely(() => this.options.onState?.(state, detail));
        this.client.emit("state", { channel: this.channel, path: this.path, state, detail });
    }
    safely(f) {
        try {
            f();
        }
        catch (error) {
            this.reportError(error);
        }
    }
    reportError(error) {
        if (this.options.onError) {
            try {
                this.options.onError(error);
            }
            catch (nested) {
                console.error("PubSubClient onError failed:", nested);
            }
        }
        else {
            console.error(`PubSubClient (${this.path}):`, error);
        }
        this.client.emit("error", { channel: this.channel, path: this.path, error });
    }
}
