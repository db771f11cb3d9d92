// How long a subscription waits before it reconnects: full-jitter exponential
// backoff, so that replicas restarting together are not hit by every client
// at the same instant.
/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(attempt, backoff = {}, random = Math.random) {
    const initial = backoff.initialMs ?? 500;
    const max = backoff.maxMs ?? 30000;
    const cap = Math.min(max, initial * Math.pow(2, Math.min(attempt, 30)));
    return Math.floor(random() * cap);
}
