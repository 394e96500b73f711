import { withRetries } from './retry';

describe('withRetries', () => {
  const policy = { retries: 3, initialDelayMs: 100, maxDelayMs: 250 };

  it('retries retryable failures with bounded exponential backoff, then returns the success', async () => {
    const delays: number[] = [];
    const outcomes = [false, false, true];
    const result = await withRetries(
      policy,
      async (attempt) => ({ ok: outcomes[attempt - 1], retryable: true, value: attempt }),
      () => undefined,
      async (ms) => {
        delays.push(ms);
      },
    );
    expect(result).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(120);
    expect(delays[1]).toBeGreaterThanOrEqual(200);
    expect(delays[1]).toBeLessThanOrEqual(240);
  });

  it('gives up after the configured retries, capping each delay', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const result = await withRetries(
      policy,
      async () => ({ ok: false, retryable: true, value: ++attempts }),
      () => undefined,
      async (ms) => {
        delays.push(ms);
      },
    );
    expect(result).toBe(4);
    expect(delays).toHaveLength(3);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300);
  });

  it('does not retry a failure that is not retryable', async () => {
    const sleep = jest.fn(async () => undefined);
    let attempts = 0;
    await withRetries(
      policy,
      async () => ({ ok: false, retryable: false, value: ++attempts }),
      () => undefined,
      sleep,
    );
    expect(attempts).toBe(1);
    expect(sleep).not.toHaveBeenCalled();
  });
});
