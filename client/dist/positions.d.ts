/**
 * Where positions are kept between connections (and, with
 * `localStoragePositions()`, across page reloads). Methods may return promises.
 */
export interface PositionStore {
    get(key: string): string | null | undefined | PromiseLike<string | null | undefined>;
    set(key: string, position: string): void | PromiseLike<void>;
    delete(key: string): void | PromiseLike<void>;
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
/**
 * One position per topic: the path, and for a personal channel the user (the
 * `user_id` query parameter under --dev-auth, else the token's subject), since
 * two users of one browser read two different topics at the same path.
 */
export declare function positionKey(path: string, access: string | undefined, queryUser: string | undefined, token: string | null | undefined): string;
