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

import { MemoryPositionStore, type PositionStore } from "./positions.js";
import { SubscriptionImpl, type HandlerTable } from "./subscription.js";
import { fillPath, normalizeBase, sameOriginUrl } from "./urls.js";
import type { ChannelMap, ChannelName, EventOf, Handlers, ParamsOf } from "./channel-map.js";
import type { ClientEvents, ClientOptions, SubscribeOptions, Subscription } from "./types.js";

export type {
  ChannelDescriptor,
  ChannelDescriptors,
  ChannelMap,
  ChannelName,
  ChannelShape,
  EventMeta,
  EventNamed,
  EventOf,
  Handlers,
  ParamsOf,
} from "./channel-map.js";
export type {
  ClientEvents,
  ClientOptions,
  ConnectionState,
  RecoveryInfo,
  StateDetail,
  SubscribeOptions,
  Subscription,
  WebSocketConstructor,
  WebSocketLike,
} from "./types.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export { MemoryPositionStore, localStoragePositions, type PositionStore } from "./positions.js";
export { fillPath } from "./urls.js";

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
      handlers as HandlerTable,
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

  // --- SubscriptionHost (subscription.ts): what each subscription uses ---

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
