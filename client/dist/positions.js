// Where a subscription keeps its position (`EPOCH:SEQ`, docs/history.md)
// between connections, and under which key: the store interface, the two
// stores the client ships, and the per-topic key.
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
/**
 * One position per topic: the path, and for a personal channel the user (the
 * `user_id` query parameter under --dev-auth, else the token's subject), since
 * two users of one browser read two different topics at the same path.
 */
export function positionKey(path, access, queryUser, token) {
    if (access !== "personal")
        return path;
    const user = queryUser ?? (token ? tokenSubject(token) : "");
    return `${path}@${user}`;
}
// The user a token names (a JWT's "sub"). Opaque tokens give "".
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
