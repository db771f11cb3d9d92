export interface BackoffOptions {
    /** The first reconnect waits up to this long (full jitter: a random delay in [0, cap)). Default 500. */
    initialMs?: number;
    /** The cap the doubling stops at. Default 30000. */
    maxMs?: number;
}
/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export declare function backoffDelay(attempt: number, backoff?: BackoffOptions, random?: () => number): number;
