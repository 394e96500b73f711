/** The value `map` keeps for `key`, made by `create` the first time it is asked for (a promise is kept as it is). */
export function memo<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  if (!map.has(key)) map.set(key, create());
  return map.get(key) as V;
}
