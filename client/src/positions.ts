// Where a subscription keeps its position (`EPOCH:SEQ`, docs/history.md)
// between connections, and under which key: the store interface, the two
// stores the client ships, and the per-topic key.

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

/**
 * One position per topic: the path, and for a personal channel the user (the
 * `user_id` query parameter under --dev-auth, else the token's subject), since
 * two users of one browser read two different topics at the same path.
 */
export function positionKey(
  path: string,
  access: string | undefined,
  queryUser: string | undefined,
  token: string | null | undefined,
): string {
  if (access !== "personal") return path;
  const user = queryUser ?? (token ? tokenSubject(token) : "");
  return `${path}@${user}`;
}

// The user a token names (a JWT's "sub"). Opaque tokens give "".
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
