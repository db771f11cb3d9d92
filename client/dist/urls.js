// Where a subscription's socket connects: the gateway's base URL (the page's
// origin by default; http(s):// accepted for ws(s)://) and the channel's path
// with its parameters filled in.
/** Fills a path template: ("/ws/comments/{track_id}", {track_id: "42"}) -> "/ws/comments/42". */
export function fillPath(template, params) {
    return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name) => {
        const value = params[name];
        if (typeof value !== "string" || value === "") {
            throw new TypeError(`missing path parameter "${name}" for ${template}`);
        }
        return encodeURIComponent(value);
    });
}
/** The page's own origin as a WebSocket base URL; throws outside a page. */
export function sameOriginUrl() {
    const location = globalThis.location;
    if (location === undefined) {
        throw new TypeError("PubSubClient: no `url` given and no page origin to default to");
    }
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
}
/** "http(s)://host/" -> "ws(s)://host": the base a path is appended to. */
export function normalizeBase(url) {
    return url.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
}
