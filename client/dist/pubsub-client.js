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
// This file is the package's entry point: the client itself, and the public
// API of the modules beside it (channel-map, types, positions, backoff, urls),
// re-exported.
//
// Threading: none; everything runs on the caller's event loop. Handlers run one
// at a time, in the order the gateway sent the events; a handler that returns
// a promise is awaited before the next event (and before its position is
// stored).
import { MemoryPositionStore } from "./positions.js";
import { SubscriptionImpl } from "./subscription.js";
import { fillPath, normalizeBase, sameOriginUrl } from "./urls.js";
export { backoffDelay } from "./backoff.js";
export { MemoryPositionStore, localStoragePositions } from "./positions.js";
export { fillPath } from "./urls.js";
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
    // --- SubscriptionHost (subscription.ts): what each subscription uses ---
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
