// Long lists reorder in O(n log n), and the sort is Go's sort.SliceStable.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sliceStable } from './go-sort';
import { strategicMergePatch } from './strategic';

const pod = { group: '', kind: 'Pod' };
const env = (n: number, value: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ name: `V${i}`, value: value(i) }));
const podWith = (e: unknown[]) => ({ spec: { containers: [{ name: 'c', env: e }] } });

describe('strategic merge ordering of long lists', () => {
  test('$setElementOrder reverses 5,000 env items', () => {
    const live = env(5000, () => 'x');
    const order = [...live].reverse().map(({ name }) => ({ name }));
    const out = strategicMergePatch(pod, podWith(live), { spec: { containers: [{ name: 'c', '$setElementOrder/env': order }] } });
    assert.deepEqual(out, podWith([...live].reverse()));
  });

  test('a patch list of 5,000 changed items merges and takes the patch order', () => {
    const live = env(5000, () => 'old');
    const patch = env(5000, (i) => `new${i}`).reverse();
    const out = strategicMergePatch(pod, podWith(live), { spec: { containers: [{ name: 'c', env: patch }] } });
    assert.deepEqual(out, podWith(patch));
  });

  test('server-only items keep their place among 5,000 reordered patch items', () => {
    const live = env(5000, () => 'x');
    const kept = live.filter((_, i) => i % 2 === 0);
    const order = live.filter((_, i) => i % 2 === 1).reverse().map(({ name }) => ({ name }));
    const out = strategicMergePatch(pod, podWith(live), { spec: { containers: [{ name: 'c', '$setElementOrder/env': order }] } }) as ReturnType<typeof podWith>;
    const names = (out.spec.containers[0]?.env as { name: string }[]).map((e) => e.name);
    assert.equal(names.length, 5000);
    assert.deepEqual(names.filter((n) => Number(n.slice(1)) % 2 === 0), kept.map((e) => e.name));
    assert.deepEqual(names.filter((n) => Number(n.slice(1)) % 2 === 1), order.map((e) => e.name));
  });
});

describe('sliceStable', () => {
  test('agrees with a stable sort for a consistent comparator, across block and merge sizes', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [0, 1, 19, 20, 21, 40, 41, 99, 257, 1000]) {
      const a = Array.from({ length: n }, (_, i) => ({ k: Math.floor(rand() * 10), i }));
      const want = [...a].sort((x, y) => x.k - y.k);
      sliceStable(a, (x, y) => x.k < y.k);
      assert.deepEqual(a, want, `n=${n}`);
    }
  });

  test('up to 20 items it is insertion sort, so "less both ways" moves unknown items to the front', () => {
    const a = ['b', '?', 'a'];
    const rank: Record<string, number> = { a: 0, b: 1 };
    sliceStable(a, (x, y) => (x in rank && y in rank ? (rank[x] ?? 0) < (rank[y] ?? 0) : true));
    assert.deepEqual(a, ['a', '?', 'b']);
  });
});
