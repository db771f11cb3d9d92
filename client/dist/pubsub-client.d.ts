/** One channel as the generated `Channels` type declares it. */
export interface ChannelShape {
    /** The WebSocket path template, e.g. "/ws/comments/{track_id}". */
    path: string;
    /** The path's parameters, e.g. `{ track_id: string }`; `{}` when it has none. */
    params: object;
    /** The union of the channel's event interfaces, each with a literal `type`. */
    events: {
        type: string;
    };
}
/** One channel as the generated runtime `channels` constant describes it. */
export interface ChannelDescriptor {
    readonly path: string;
    /** The names of the path's parameters, in order, e.g. ["track_id"]. */
    readonly params: readonly string[];
    /** The channel's event types, e.g. ["new_comment", "comment_updated"]. */
    readonly events?: readonly string[];
    /** "authenticated", "personal" (the topic is the connecting user's) or "role". */
    readonly access?: string;
    /** Whether the channel keeps history: then the client speaks the recovery protocol. */
    readonly history: boolean;
}
/** The runtime channel table for a channel map `C`. */
export type ChannelDescriptors<C> = {
    readonly [K in keyof C]: ChannelDescriptor;
};
/** A channel map: what `PubSubClient` is generic over (the generated `Channels`). */
export type ChannelMap<C> = {
    [K in keyof C]: ChannelShape;
};
/** The channel names of `C`. */
export type ChannelName<C> = Extract<keyof C, string>;
/** The union of channel `K`'s events. */
export type EventOf<C, K extends keyof C> = C[K] extends {
    events: infer E;
} ? E : never;
/** The path parameters channel `K` requires. */
export type ParamsOf<C, K extends keyof C> = C[K] extends {
    params: infer P;
} ? P : never;
/** What a handler learns besides the event itself. */
export interface EventMeta {
    /** The channel's name. */
    channel: string;
    /** The event's position (`EPOCH:SEQ`); absent for live-only events and channels without history. */
    position?: string;
    /** The event's JSON exactly as the gateway sent it. */
    raw: string;
}
/** The member of the event union `E` whose `type` is `T` (all of `E` for an untyped `{type: string}`). */
export type EventNamed<E, T> = [Extract<E, {
    type: T;
}>] extends [never] ? E : Extract<E, {
    type: T;
}>;
/** One handler per event type, each given its own event type; all optional. */
export type Handlers<E> = {
    [T in E extends {
        type: infer N extends string;
    } ? N : never]?: (event: EventNamed<E, T>, meta: EventMeta) => void | PromiseLike<void>;
};
/**
 * Where positions are kept between connections (and, with
 * `localStoragePositions()`, across page reloads). Methods may return promises.
 */
export interface PositionStore {
    get(key: string): string | null | undefined | PromiseLike<string | null | undefined>;
    set(key: string, position: string): void | PromiseLike<void>;
    delete(key: string): void | PromiseLike<void>;
}
/** The constructor of a WebSocket: the browser's, or Node's `ws`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;
/** What the client uses of a WebSocket. */
export interface WebSocketLike {
    onopen: ((event: any) => void) | null;
    onmessage: ((event: any) => void) | null;
    onerror: ((event: any) => void) | null;
    onclose: ((event: any) => void) | null;
    close(code?: number, reason?: string): void;
}
export interface BackoffOptions {
    /** The first reconnect waits up to this long (full jitter: a random delay in [0, cap)). Default 500. */
    initialMs?: number;
    /** The cap the doubling stops at. Default 30000. */
    maxMs?: number;
}
export interface ClientOptions<C> {
    /**
     * The gateway: "ws://host:port" (http(s):// works too), a list of replicas
     * (each reconnect tries the next), or a function returning the URL to try
     * for a given attempt number. Default: the page's own origin.
     */
    url?: string | readonly string[] | ((attempt: number) => string);
    /** The generated runtime channel table. */
    channels: ChannelDescriptors<C>;
    /**
     * A JWT, or a function returning one, called before every (re)connect so an
     * expired token can be refreshed. Sent in the "bearer" subprotocol, never in
     * the URL. Omit it with a gateway in --dev-auth mode (use `query`).
     */
    token?: string | (() => string | null | undefined | PromiseLike<string | null | undefined>);
    /** Extra query parameters for every socket, e.g. `{ user_id: "ann" }` under --dev-auth. */
    query?: Record<string, string>;
    /** Where positions are kept. Default: in memory (`new MemoryPositionStore()`). */
    storage?: PositionStore;
    backoff?: BackoffOptions;
    /** The WebSocket implementation. Default: `globalThis.WebSocket`; in Node pass `ws`. */
    WebSocket?: WebSocketConstructor;
    /**
     * Give up (state "closed") after this many connection attempts in a row that
     * failed before the socket opened. Default: never; the delay between them is
     * capped by `backoff.maxMs`.
     */
    maxFailedOpens?: number;
}
/**
 * - "connecting": the first connection is being made;
 * - "open": the socket is open (on a history channel the verdict comes next);
 * - "reconnecting": the connection dropped or failed; waiting, then trying again;
 * - "closed": final: closed by the application, or refused for good.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";
export interface StateDetail {
    /** The URL tried or used (without the token, which never is in it). */
    url?: string;
    /** Attempts since the last successful connection. */
    attempt: number;
    /** "reconnecting": how long until the next attempt. */
    delayMs?: number;
    /** The close code and reason, when a socket closed (1006: it never opened or was cut). */
    code?: number;
    reason?: string;
    wasClean?: boolean;
    /** Whether the socket that closed had opened. */
    opened?: boolean;
    /** The HTTP status of a refused upgrade, when the WebSocket implementation reveals it (Node's `ws` does, browsers do not). */
    status?: number;
}
export interface RecoveryInfo {
    /** Whether everything after the client's position followed (decide on this alone). */
    recovered: boolean;
    /** Where the client stands now; absent on channels without history. */
    position?: string;
    /** For people and logs, when `recovered` is false. */
    reason?: string;
    /** False for the verdict that opens a connection, true for a later control. */
    midStream: boolean;
}
export interface SubscribeOptions<E> {
    /** Every verdict and every later `recovered:false` control. */
    onRecovery?(info: RecoveryInfo): void;
    /** Every state change. */
    onState?(state: ConnectionState, detail: StateDetail): void;
    /** Every event, after its typed handler (if any). */
    onEvent?(event: E, meta: EventMeta): void | PromiseLike<void>;
    /** A handler threw, a frame was not JSON, the token callback failed. Default: console.error. */
    onError?(error: unknown): void;
}
export interface Subscription {
    readonly channel: string;
    /** The WebSocket path, parameters filled in, e.g. "/ws/comments/42". */
    readonly path: string;
    readonly state: ConnectionState;
    /** The last position applied (history channels), if any. */
    readonly position: string | undefined;
    /** Closes the socket with code 1000; no reconnect. */
    close(): void;
}
/** Client-wide events: every subscription's, tagged with its channel and path. */
export interface ClientEvents {
    state: {
        channel: string;
        path: string;
        state: ConnectionState;
        detail: StateDetail;
    };
    recovery: {
        channel: string;
        path: string;
    } & RecoveryInfo;
    error: {
        channel: string;
        path: string;
        error: unknown;
    };
}
/** Positions in memory: they survive reconnects, not page reloads. */
export declare class MemoryPositionStore implements PositionStore {
    private readonly positions;
    get(key: string): string | undefined;
    set(key: string, position: string): void;
    delete(key: string): void;
}
/**
 * Positions in `localStorage` (or any Storage), so a reloaded page recovers
 * what it missed, within what the channel keeps. Storage errors (quota,
 * private mode) are ignored: the client then behaves as with no position.
 */
export declare function localStoragePositions(prefix?: string, storage?: Storage): PositionStore;
/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export declare function backoffDelay(attempt: number, backoff?: BackoffOptions, random?: () => number): number;
/** Fills a path template: ("/ws/comments/{track_id}", {track_id: "42"}) -> "/ws/comments/42". */
export declare function fillPath(template: string, params: Record<string, unknown>): string;
type Listener<T> = (event: T) => void;
/**
 * A client of one gateway (or a set of replicas), typed by the generated
 * channel map `C`. Subscriptions share its options; each has its own socket.
 */
export declare class PubSubClient<C extends ChannelMap<C>> {
    private readonly options;
    private readonly storage;
    private readonly subscriptions;
    private readonly listeners;
    private urlIndex;
    constructor(options: ClientOptions<C>);
    /**
     * Subscribes to one topic of `channel`: its socket opens now and reconnects
     * until `close()`. `handlers` has one optional function per event type of
     * the channel.
     */
    subscribe<K extends ChannelName<C>>(channel: K, params: ParamsOf<C, K>, handlers: Handlers<EventOf<C, K>>, options?: SubscribeOptions<EventOf<C, K>>): Subscription;
    /** Listens to every subscription's state changes, recoveries or errors; returns a function that stops listening. */
    on<T extends keyof ClientEvents>(type: T, listener: Listener<ClientEvents[T]>): () => void;
    /** Closes every subscription (code 1000, no reconnect). */
    close(): void;
}
export {};
