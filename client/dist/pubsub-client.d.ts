import type { ChannelMap, ChannelName, EventOf, Handlers, ParamsOf } from "./channel-map.js";
import type { ClientEvents, ClientOptions, SubscribeOptions, Subscription } from "./types.js";
export type { ChannelDescriptor, ChannelDescriptors, ChannelMap, ChannelName, ChannelShape, EventMeta, EventNamed, EventOf, Handlers, ParamsOf, } from "./channel-map.js";
export type { ClientEvents, ClientOptions, ConnectionState, RecoveryInfo, StateDetail, SubscribeOptions, Subscription, WebSocketConstructor, WebSocketLike, } from "./types.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export { MemoryPositionStore, localStoragePositions, type PositionStore } from "./positions.js";
export { fillPath } from "./urls.js";
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
