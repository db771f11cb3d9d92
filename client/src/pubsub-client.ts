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
// Channel maps: the shapes the generated code provides.

/** One channel as the generated `Channels` type declares it. */
export interface ChannelShape {
  /** The WebSocket path template, e.g. "/ws/comments/{track_id}". */
  path: string;
  /** The path's parameters, e.g. `{ track_id: string }`; `{}` when it has none. */
  params: object;
  /** The union of the channel's event interfaces, each with a literal `type`. */
  events: { type: string };
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
export type ChannelDescriptors<C> = { readonly [K in keyof C]: ChannelDescriptor };

/** A channel map: what `PubSubClient` is generic over (the generated `Channels`). */
export type ChannelMap<C> = { [K in keyof C]: ChannelShape };

/** The channel names of `C`. */
export type ChannelName<C> = Extract<keyof C, string>;

/** The union of channel `K`'s events. */
export type EventOf<C, K extends keyof C> = C[K] extends { events: infer E } ? E : never;

/** The path parameters channel `K` requires. */
export type ParamsOf<C, K extends keyof C> = C[K] extends { params: infer P } ? P : never;

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
export type EventNamed<E, T> = [Extract<E, { type: T }>] extends [never] ? E : Extract<E, { type: T }>;

/** One handler per event type, each given its own event type; all optional. */
export type Handlers<E> = {
  [T in E extends { type: infer N extends string } ? N : never]?: (
    event: EventNamed<E, T>,
    meta: EventMeta,
  ) => void | PromiseLike<void>;
};

// ---------------------------------------------------------------------------
// Options, states, recovery.

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
  state: { channel: string; path: string; state: ConnectionState; detail: StateDetail };
  recovery: { channel: string; path: string } & RecoveryInfo;
  error: { channel: string; path: string; error: unknown };
}

// ---------------------------------------------------------------------------
// Position stores.

/** Positions in memory: they survive reconnects, not page reloads. */
export class MemoryPositionStore implements PositionStore {
  private readonly positions = new Map<string, string>();
  get(key: string): string | undefined {
    return this.positions.get(key);
  }
  set(key: string, position: string): void {
    this.positions.set(key, position);
  }
  delete(key: string): void {
    this.positions.delete(key);
  }
}

/**
 * Positions in `localStorage` (or any Storage), so a reloaded page recovers
 * what it missed, within what the channel keeps. Storage errors (quota,
 * private mode) are ignored: the client then behaves as with no position.
 */
export function localStoragePositions(
  prefix = "pubsub-position:",
  storage: Storage = globalThis.localStorage,
): PositionStore {
  return {
    get(key) {
      try {
        return storage.getItem(prefix + key);
      } catch {
        return null;
      }
    },
    set(key, position) {
      try {
        storage.setItem(prefix + key, position);
      } catch {
        // Quota or private mode: keep going without durability.
      }
    },
    delete(key) {
      try {
        storage.removeItem(prefix + key);
      } catch {
        // As above.
      }
    },
  };
}

// ---------------------------------------------------------------------------
// Helpers (exported for tests and for applications that build their own).

/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30000;
  const cap = Math.min(max, initial * Math.pow(2, Math.min(attempt, 30)));
  return Math.floor(random() * cap);
}

/** Fills a path template: ("/ws/comments/{track_id}", {track_id: "42"}) -> "/ws/comments/42". */
export function fillPath(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
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

function sameOriginUrl(): string {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (location === undefined) {
    throw new TypeError("PubSubClient: no `url` given and no page origin to default to");
  }
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
}

function normalizeBase(url: string): string {
  return url.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
}

// The user a token names (a JWT's "sub"), for keeping personal channels'
// positions per user. Opaque tokens give "".
function tokenSubject(token: string): string {
  const parts = token.split(".");
  if (parts.length !== 3) return "";
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === "string" ? sub : "";
  } catch {
    return "";
  }
}

// The event's own JSON text inside a recovery-protocol frame, which the
// gateway writes as {"position":"P","event":EVENT} or {"event":EVENT}.
function eventText(frameText: string, position: string | undefined, event: unknown): string {
  const prefix =
    position === undefined ? '{"event":' : `{"position":${JSON.stringify(position)},"event":`;
  if (frameText.startsWith(prefix) && frameText.endsWith("}")) {
    return frameText.slice(prefix.length, -1);
  }
  return JSON.stringify(event);
}

function messageText(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(data as ArrayBuffer);
  }
  return String(data);
}

type Frame = {
  control?: unknown;
  recovered?: unknown;
  position?: unknown;
  reason?: unknown;
  event?: unknown;
};

// ---------------------------------------------------------------------------
// The client.

type Listener<T> = (event: T) => void;

/**
 * A client of one gateway (or a set of replicas), typed by the generated
 * channel map `C`. Subscriptions share its options; each has its own socket.
 */
export class PubSubClient<C extends ChannelMap<C>> {
  private readonly options: ClientOptions<C>;
  private readonly storage: PositionStore;
  private readonly subscriptions = new Set<SubscriptionImpl>();
  private readonly listeners: { [T in keyof ClientEvents]: Set<Listener<ClientEvents[T]>> } = {
    state: new Set(),
    recovery: new Set(),
    error: new Set(),
  };
  private urlIndex = 0;

  constructor(options: ClientOptions<C>) {
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
  subscribe<K extends ChannelName<C>>(
    channel: K,
    params: ParamsOf<C, K>,
    handlers: Handlers<EventOf<C, K>>,
    options: SubscribeOptions<EventOf<C, K>> = {},
  ): Subscription {
    const descriptor = this.options.channels[channel];
    if (descriptor === undefined) {
      throw new TypeError(`PubSubClient: unknown channel "${String(channel)}"`);
    }
    const path = fillPath(descriptor.path, (params ?? {}) as Record<string, unknown>);
    const subscription = new SubscriptionImpl(
      this,
      String(channel),
      descriptor,
      path,
      handlers as Record<string, ((event: unknown, meta: EventMeta) => unknown) | undefined>,
      options as SubscribeOptions<unknown>,
    );
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** Listens to every subscription's state changes, recoveries or errors; returns a function that stops listening. */
  on<T extends keyof ClientEvents>(type: T, listener: Listener<ClientEvents[T]>): () => void {
    const set = this.listeners[type] as Set<Listener<ClientEvents[T]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Closes every subscription (code 1000, no reconnect). */
  close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
  }

  // --- for SubscriptionImpl ---

  /** @internal */
  emit<T extends keyof ClientEvents>(type: T, event: ClientEvents[T]): void {
    for (const listener of [...this.listeners[type]] as Listener<ClientEvents[T]>[]) {
      try {
        listener(event);
      } catch (error) {
        console.error("PubSubClient listener failed:", error);
      }
    }
  }

  /** @internal */
  forget(subscription: SubscriptionImpl): void {
    this.subscriptions.delete(subscription);
  }

  /** @internal */
  get settings(): ClientOptions<C> {
    return this.options;
  }

  /** @internal */
  get positions(): PositionStore {
    return this.storage;
  }

  /** @internal The base URL for the next attempt. */
  nextUrl(attempt: number): string {
    const url = this.options.url;
    if (url === undefined) return sameOriginUrl();
    if (typeof url === "string") return normalizeBase(url);
    if (typeof url === "function") return normalizeBase(url(attempt));
    if (url.length === 0) throw new TypeError("PubSubClient: `url` is an empty list");
    return normalizeBase(url[this.urlIndex++ % url.length]);
  }

  /** @internal */
  async token(): Promise<string | null | undefined> {
    const token = this.options.token;
    return typeof token === "function" ? await token() : token;
  }
}

class SubscriptionImpl implements Subscription {
  state: ConnectionState = "connecting";
  position: string | undefined = undefined;

  private socket: WebSocketLike | null = null;
  private closed = false;
  private attempt = 0; // attempts since the last success, for the backoff
  private totalAttempts = 0;
  private failedOpens = 0; // in a row
  private refusedRecoveries = 0; // 1013 before a verdict, in a row
  private fallbackReason: string | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  // Frames are applied one at a time, in order, across sockets.
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: PubSubClient<any>,
    readonly channel: string,
    private readonly descriptor: ChannelDescriptor,
    readonly path: string,
    private readonly handlers: Record<string, ((event: unknown, meta: EventMeta) => unknown) | undefined>,
    private readonly options: SubscribeOptions<unknown>,
  ) {}

  start(): void {
    this.setState("connecting", { attempt: 0 });
    void this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      try {
        socket.close(1000, "closed by the application");
      } catch {
        // Already closing.
      }
    }
    this.client.forget(this);
    this.setState("closed", { attempt: this.attempt, code: 1000, reason: "closed by the application" });
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    // The previous socket's frames are applied first: the position is current.
    await this.queue;
    if (this.closed) return;
    const settings = this.client.settings;
    const attempt = this.totalAttempts++;
    let base: string;
    let token: string | null | undefined;
    let since: string | undefined;
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
    } catch (error) {
      this.reportError(error);
      if (!this.closed) this.retry({ attempt: this.attempt, reason: String(error) });
      return;
    }
    if (this.closed) return;

    const query = new URLSearchParams(settings.query ?? {});
    if (since !== undefined) query.set("since", since);
    const search = query.toString();
    const url = base + this.path + (search ? "?" + search : "");
    const WebSocketImpl =
      settings.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocketImpl === undefined) {
      this.finish({ attempt: this.attempt, url, reason: "no WebSocket implementation (pass `WebSocket`)" });
      return;
    }
    let socket: WebSocketLike;
    try {
      socket = token ? new WebSocketImpl(url, ["bearer", token]) : new WebSocketImpl(url);
    } catch (error) {
      // A malformed URL or token: trying again cannot help.
      this.reportError(error);
      this.finish({ attempt: this.attempt, url, reason: String(error) });
      return;
    }
    this.socket = socket;
    const recovery = since !== undefined;
    let opened = false;
    let verdict = false;
    let status: number | undefined;

    socket.onopen = () => {
      if (socket !== this.socket) return;
      opened = true;
      this.failedOpens = 0;
      if (!recovery) this.attempt = 0;
      this.setState("open", { url, attempt: this.attempt });
    };
    socket.onmessage = (message: { data: unknown }) => {
      if (socket !== this.socket) return;
      const text = messageText(message.data);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch (error) {
        this.reportError(new Error(`not JSON: ${text.slice(0, 100)}`));
        return;
      }
      let first = false;
      if (recovery && (frame as Frame)?.control === "recovery" && !verdict) {
        verdict = true;
        first = true;
        this.attempt = 0;
        this.refusedRecoveries = 0;
      }
      this.queue = this.queue.then(() => this.apply(frame, text, recovery, first, key));
    };
    socket.onerror = (event: { message?: unknown }) => {
      // Node's ws says "Unexpected server response: 403"; browsers say nothing.
      const match = /Unexpected server response: (\d{3})/.exec(String(event?.message ?? ""));
      if (match) status = Number(match[1]);
    };
    socket.onclose = (event: { code?: number; reason?: string; wasClean?: boolean }) => {
      if (socket !== this.socket) return;
      this.socket = null;
      const detail: StateDetail = {
        url,
        attempt: this.attempt,
        code: event?.code,
        reason: event?.reason,
        wasClean: event?.wasClean,
        opened,
      };
      if (status !== undefined) detail.status = status;
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
      if (recovery && !verdict && event?.code === 1013) this.refusedRecoveries++;
      this.retry(detail);
    };
  }

  // Applies one frame: the handler first, then the position.
  private async apply(frame: unknown, text: string, recovery: boolean, first: boolean, key: string): Promise<void> {
    if (this.closed) return;
    if (!recovery) {
      await this.dispatch(frame, { channel: this.channel, raw: text });
      return;
    }
    const f = (frame ?? {}) as Frame;
    const position = typeof f.position === "string" ? f.position : undefined;
    if (f.control === "recovery") {
      const info: RecoveryInfo = { recovered: f.recovered === true, midStream: !first };
      if (position !== undefined) info.position = position;
      if (typeof f.reason === "string") info.reason = f.reason;
      if (first && this.fallbackReason !== null) {
        info.recovered = false;
        info.reason = this.fallbackReason;
        this.fallbackReason = null;
      }
      if (position !== undefined) await this.store(key, position);
      this.safely(() => this.options.onRecovery?.(info));
      this.client.emit("recovery", { channel: this.channel, path: this.path, ...info });
      return;
    }
    if (f.event !== undefined && f.event !== null && typeof f.event === "object") {
      const meta: EventMeta = { channel: this.channel, raw: eventText(text, position, f.event) };
      if (position !== undefined) meta.position = position;
      await this.dispatch(f.event, meta);
      if (position !== undefined) await this.store(key, position);
    }
    // Anything else is a frame of a newer protocol: ignored.
  }

  private async dispatch(event: unknown, meta: EventMeta): Promise<void> {
    if (this.closed) return;
    const type = (event as { type?: unknown } | null)?.type;
    const handler = typeof type === "string" && Object.prototype.hasOwnProperty.call(this.handlers, type)
      ? this.handlers[type]
      : undefined;
    try {
      if (handler) await handler(event, meta);
      if (this.options.onEvent) await this.options.onEvent(event, meta);
    } catch (error) {
      // The event is not redelivered: its position is stored anyway, or a
      // reconnect would replay it forever.
      this.reportError(error);
    }
  }

  private async store(key: string, position: string): Promise<void> {
    this.position = position;
    try {
      await this.client.positions.set(key, position);
    } catch (error) {
      this.reportError(error);
    }
  }

  private retry(detail: StateDetail): void {
    const delayMs = backoffDelay(this.attempt, this.client.settings.backoff);
    this.attempt++;
    this.setState("reconnecting", { ...detail, attempt: this.attempt, delayMs });
    this.timer = setTimeout(() => void this.connect(), delayMs);
  }

  private finish(detail: StateDetail): void {
    this.closed = true;
    this.client.forget(this);
    this.setState("closed", detail);
  }

  // One position per topic: the path, and for a personal channel the user.
  private positionKey(token: string | null | undefined): string {
    if (this.descriptor.access !== "personal") return this.path;
    const user = this.client.settings.query?.user_id ?? (token ? tokenSubject(token) : "");
    return `${this.path}@${user}`;
  }

  private setState(state: ConnectionState, detail: StateDetail): void {
    this.state = state;
    this.safely(() => this.options.onState?.(state, detail));
    this.client.emit("state", { channel: this.channel, path: this.path, state, detail });
  }

  private safely(f: () => void): void {
    try {
      f();
    } catch (error) {
      this.reportError(error);
    }
  }

  private reportError(error: unknown): void {
    if (this.options.onError) {
      try {
        this.options.onError(error);
      } catch (nested) {
        console.error("PubSubClient onError failed:", nested);
      }
    } else {
      console.error(`PubSubClient (${this.path}):`, error);
    }
    this.client.emit("error", { channel: this.channel, path: this.path, error });
  }
}
