'use strict';
// Shared by the tests (kept outside test/ so that `node --test` does not run it as a test file).

const assert = require('node:assert/strict');

/** Deterministic text-like items: n items of about `size` bytes each. */
function corpus(n, size, seed = 1) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'zstd', 'segment', 'buffer', 'node',
    'frame', 'item', 'koffi', 'thread', 'collection', 'dictionary', 'batch', 'level'];
  const out = [];
  for (let i = 0; i < n; i++) {
    const len = size <= 0 ? 0 : 1 + (rnd() % (2 * size));
    let t = `#${i} `;
    while (t.length < len) t += words[rnd() % words.length] + (rnd() % 1000) + ' ';
    out.push(Buffer.from(t.slice(0, Math.max(len, 0))));
  }
  return out;
}

/** Asserts that a collection holds exactly the expected items, byte for byte. */
function assertItems(coll, expected) {
  assert.equal(coll.length, expected.length);
  let total = 0;
  for (let i = 0; i < expected.length; i++) {
    const got = coll.item(i);
    if (!got.equals(Buffer.from(expected[i]))) {
      assert.fail(`item ${i} differs: ${got.length} bytes, expected ${expected[i].length}`);
    }
    total += expected[i].length;
  }
  assert.equal(coll.size, total);
}

module.exports = { corpus, assertItems };
