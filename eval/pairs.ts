// Labelled sets are built from groups of mentions known to be one organisation: their indexes, and every two of them.

/** Indexes of the items, grouped by key, each group in order. */
export function groupIndexes<T>(items: readonly T[], keyOf: (item: T) => string | number): number[][] {
  const groups = new Map<string | number, number[]>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

/** Every two members of a group, the earlier first. */
export function pairsWithin(group: readonly number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let x = 0; x < group.length; x++) {
    for (let y = x + 1; y < group.length; y++) pairs.push([group[x] as number, group[y] as number]);
  }
  return pairs;
}
