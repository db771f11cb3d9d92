import type { ChannelDescriptor, EventMeta } from "./channel-map.js";
import { type PositionStore } from "./positions.js";
import type { ClientEvents, ClientOptions, ConnectionState, SubscribeOptions, Subscription } from "./types.js";
/** What a subscription needs of the client that owns it (`PubSubClient`). */
export interface SubscriptionHost {
    readonly settings: ClientOptions<any>;
    readonly positions: PositionStore;
    /** The base URL for the connection attempt `attempt` (counted over the subscription's life). */
    nextUrl(attempt: number): string;
    /** The token for the next connection (asked again before every connect). */
    token(): Promise<string | null | undefined>;
    emit<T extends keyof ClientEvents>(type: T, event: ClientEvents[T]): void;
    /** The subscription is closed for good. */
    forget(subscription: SubscriptionImpl): void;
}
/** A handler per event type, as `subscribe()` received them, untyped. */
export type HandlerTable = Record<string, ((event: unknown, meta: EventMeta) => unknown) | undefined>;
export declare class SubscriptionImpl implements Subscription {
    private readonly client;
    readonly channel: string;
    private readonly descriptor;
    readonly path: string;
    private readonly handlers;
    private readonly options;
    state: ConnectionState;
    position: string | undefined;
    private socket;
    private closed;
    private attempt;
    private totalAttempts;
    private failedOpens;
    private refusedRecoveries;
    private fallbackReason;
    private timer;
    private queue;
    constructor(client: SubscriptionHost, channel: string, descriptor: ChannelDescriptor, path: string, handlers: HandlerTable, options: SubscribeOptions<unknown>);
    start(): void;
    close(): void;
    private connect;
    private apply;
    private dispatch;
    private store;
    private retry;
    private finish;
    private setState;
    private safely;
    private reportError;
}
