export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Delay before the first retry; doubled for each further one. */
  initialDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, initialDelayMs: 1000, maxDelayMs: 15000 };

export interface Attempt<T> {
  ok: boolean;
  retryable: boolean;
  value: T;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable result, or the retries are spent, waiting with bounded
 * exponential backoff (plus up to 20 % jitter, so parallel pushes do not retry in lockstep). Returns the last result.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<Attempt<T>>,
  onRetry: (attemptNumber: number, delayMs: number, last: T) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    const result = await attempt(attemptNumber);
    if (result.ok || !result.retryable || attemptNumber > policy.retries) {
      return result.value;
    }
    const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attemptNumber - 1));
    const delay = Math.round(base * (1 + Math.random() * 0.2));
    onRetry(attemptNumber, delay, result.value);
    await sleep(delay);
  }
}
