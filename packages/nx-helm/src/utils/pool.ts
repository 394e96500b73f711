/**
 * Runs at most `concurrency` of the functions given to it at a time, the others waiting in order. (p-limit does this,
 * but its maintained versions are ES modules only, which this CommonJS package cannot load on every Node it supports.)
 */
export type Pool = <T>(work: () => Promise<T>) => Promise<T>;

export function createPool(concurrency: number): Pool {
  let running = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    running--;
    waiting.shift()?.();
  };
  return <T>(work: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        work().then(resolve, reject).finally(next);
      };
      if (running < concurrency) start();
      else waiting.push(start);
    });
}
