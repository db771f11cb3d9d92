/** Fills a path template: ("/ws/comments/{track_id}", {track_id: "42"}) -> "/ws/comments/42". */
export declare function fillPath(template: string, params: Record<string, unknown>): string;
/** The page's own origin as a WebSocket base URL; throws outside a page. */
export declare function sameOriginUrl(): string;
/** "http(s)://host/" -> "ws(s)://host": the base a path is appended to. */
export declare function normalizeBase(url: string): string;
