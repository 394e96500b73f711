import { startHttpProxy } from './http-proxy';

export interface FaultProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  stats: { requests: number; failedWith503: number; dropped: number };
  stop(): Promise<void>;
}

/**
 * A proxy in front of a test registry that fails a share of requests (`faultRate`): half of the failures are 503
 * answers, half are connections dropped without an answer. The choice comes from a seeded pseudo-random sequence, so
 * runs are repeatable; only requests to 127.0.0.1 are made.
 */
export async function startFaultProxy(targetPort: number, faultRate = 0.1, seed = 42): Promise<FaultProxy> {
  const random = mulberry32(seed);
  const stats = { requests: 0, failedWith503: 0, dropped: 0 };
  const proxy = await startHttpProxy(targetPort, {
    intercept: (incoming, outgoing) => {
      stats.requests++;
      const draw = random();
      if (draw < faultRate / 2) {
        stats.failedWith503++;
        outgoing.writeHead(503, { 'Content-Type': 'application/json' });
        outgoing.end('{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}');
        return true;
      }
      if (draw < faultRate) {
        stats.dropped++;
        incoming.socket.destroy();
        return true;
      }
      return false;
    },
  });
  return { host: proxy.host, stats, stop: proxy.stop };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
