// How long a subscription waits before it reconnects: full-jitter exponential
// backoff, so that replicas restarting together are not hit by every client
// at the same instant.

export interface BackoffOptions {
  /** The first reconnect waits up to this long (full jitter: a random delay in [0, cap)). Default 500. */
  initialMs?: number;
  /** The cap the doubling stops at. Default 30000. */
  maxMs?: number;
}

/** Full-jitter exponential backoff: a random delay in [0, min(maxMs, initialMs * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30000;
  const cap = Math.min(max, initial * Math.pow(2, Math.min(attempt, 30)));
  return Math.floor(random() * cap);
}
