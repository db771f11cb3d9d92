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
