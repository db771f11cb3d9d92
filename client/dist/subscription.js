// One subscription's socket: connect, take the recovery verdict, apply frames
// in order, reconnect with backoff, give up when retrying cannot help. One
// state machine per object, as in centrifuge-js; the client that owns it is
// reached through `SubscriptionHost` only.
import { backoffDelay } from "./backoff.js";
import { isRecoveryControl, messageText, readRecoveryFrame } from "./frames.js";
import { positionKey } from "./positions.js";
// HTTP statuses of a refused upgrade that mean "reconnect cannot help", when
// the status is known: a malformed request, a forbidden channel (role), an
// unknown path, a method or upgrade the gateway refuses.
const kFinalStatuses = new Set([400, 403, 404, 405, 426]);
// 1013 "try again later" before the verdict, this many times in a row: the
// client gives up replaying and starts from now (docs/history.md).
const kMaxRefusedRecoveries = 2;
export class SubscriptionImpl {
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
                key = positionKey(this.path, this.descriptor.access, settings.query?.user_id, token);
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
            if (recovery && isRecoveryControl(frame) && !verdict) {
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
        const read = readRecoveryFrame(frame, text);
        if (read.kind === "control") {
            const info = { recovered: read.recovered, midStream: !first };
            if (read.position !== undefined)
                info.position = read.position;
            if (read.reason !== undefined)
                info.reason = read.reason;
            if (first && this.fallbackReason !== null) {
                info.recovered = false;
                info.reason = this.fallbackReason;
                this.fallbackReason = null;
            }
            if (read.position !== undefined)
                await this.store(key, read.position);
            this.safely(() => this.options.onRecovery?.(info));
            this.client.emit("recovery", { channel: this.channel, path: this.path, ...info });
            return;
        }
        if (read.kind === "event") {
            const meta = { channel: this.channel, raw: read.raw };
            if (read.position !== undefined)
                meta.position = read.position;
            await this.dispatch(read.event, meta);
            if (read.position !== undefined)
                await this.store(key, read.position);
        }
        // "unknown": a frame of a newer protocol, ignored.
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
