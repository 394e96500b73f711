import { watchFieldReads } from './field-reads';

describe('watchFieldReads', () => {
  it('records the fields read per object, with their paths, and leaves out maps (listed) and objects never looked into', () => {
    const value = { spec: { replicas: 2, extra: true, labels: { a: 'b' }, free: { x: 1 }, items: [{ name: 'a', typo: 1 }] } };
    const { result, inspected } = watchFieldReads(value, '', (watched) => {
      const spec = (watched as typeof value).spec;
      void [spec.replicas, (spec as Record<string, unknown>).paused, spec.free, spec.items.length, spec.items[0].name];
      return Object.keys(spec.labels).length;
    });
    expect(result).toBe(1);
    expect(inspected.map(({ path, read }) => ({ path, read: [...read] }))).toEqual([
      { path: '', read: ['spec'] },
      { path: 'spec', read: ['replicas', 'paused', 'free', 'items', 'labels'] },
      { path: 'spec.items[0]', read: ['name'] },
    ]);
  });

  it('hands out frozen values as they are, as a proxy must', () => {
    const inner = Object.freeze({ a: 1 });
    const value = Object.freeze({ inner });
    const { result } = watchFieldReads(value, 'metadata', (watched) => (watched as typeof value).inner);
    expect(result).toBe(inner);
  });
});
