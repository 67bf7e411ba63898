'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

test('async round trip resolves to the same frames as the sync call', async () => {
  const items = corpus(500, 150, 11);
  const frames = await zseg.compressBatchAsync(items, { level: 4, threads: 2 });
  const syncFrames = zseg.compressBatch(items, { level: 4 });
  for (let i = 0; i < items.length; i++) assert.ok(frames.item(i).equals(syncFrames.item(i)));
  const out = await zseg.decompressBatchAsync(frames, { threads: 2 });
  assertItems(out, items);
  const fromArray = await zseg.decompressBatchAsync(frames.toArray());
  assertItems(fromArray, items);
  const buf = zseg.ZsegBuffer.from(items);
  const fromBuffer = await zseg.compressBatchAsync(buf, { level: 4 });
  assert.equal(fromBuffer.size, syncFrames.size);
  for (const h of [frames, syncFrames, out, fromArray, buf, fromBuffer]) h.close();
});

test('many concurrent async calls, all checked byte for byte', async () => {
  const comp = new zseg.Compressor({ level: 3 });
  const dec = new zseg.Decompressor();
  const jobs = [];
  for (let k = 0; k < 40; k++) {
    const items = corpus(100 + k, 100, 1000 + k);
    jobs.push((async () => {
      const frames = k % 2 ? await comp.compressAsync(items, { threads: k % 3 })
        : await zseg.compressBatchAsync(items, { level: 1 + (k % 7) });
      const out = k % 2 ? await dec.decompressAsync(frames, { threads: 2 })
        : await zseg.decompressBatchAsync(frames.toArray());
      assertItems(out, items);
      frames.close();
      out.close();
      return items.length;
    })());
  }
  const counts = await Promise.all(jobs);
  assert.equal(counts.length, 40);
  comp.close();
  dec.close();
});

// Starts n one-item async compressions at once and checks every result.
async function manyTinyCalls(n) {
  const items = [Buffer.from('tiny batch')];
  const all = await Promise.all(Array.from({ length: n }, () => zseg.compressBatchAsync(items)));
  assert.equal(all.length, n);
  for (const c of all) {
    assert.equal(zseg.frameContentSize(c.item(0)), items[0].length);
    c.close();
  }
}

test('more calls at once than koffi queues (its limit is 256): the binding queues the rest', async () => {
  await manyTinyCalls(400);
});

test('a concurrency over koffi\'s limit still queues the excess instead of failing it', async () => {
  zseg.setAsyncConcurrency(1000);
  try {
    await manyTinyCalls(600);
  } finally {
    zseg.setAsyncConcurrency(Math.max(1, (parseInt(process.env.UV_THREADPOOL_SIZE, 10) || 4) - 1));
  }
});

test('calls koffi refuses because other code fills it wait for room instead of failing', async (t) => {
  const koffi = require('koffi');
  let usleep;
  try {
    usleep = koffi.load('libc.so.6').func('int usleep(uint32_t us)');
  } catch {
    t.skip('no libc.so.6 to fill koffi with');
    return;
  }
  zseg.setAsyncConcurrency(1);
  try {
    const items = [Buffer.from('tiny batch')];
    const ours = Array.from({ length: 300 }, () => zseg.compressBatchAsync(items));
    // Other code takes every koffi slot left (one of ours runs or is being completed).
    const max = koffi.config().max_async_calls;
    const others = [];
    for (let i = 0; i < max - 1; i++) {
      others.push(new Promise((res, rej) => usleep.async(10000, (e, r) => (e ? rej(e) : res(r)))));
    }
    const results = await Promise.allSettled(ours);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    for (const r of results) r.value.close();
    await Promise.all(others);
  } finally {
    zseg.setAsyncConcurrency(Math.max(1, (parseInt(process.env.UV_THREADPOOL_SIZE, 10) || 4) - 1));
  }
});

test('the async variant keeps the event loop responsive', async (t) => {
  // About 4 MB at a high level: a few hundred ms of CPU on one core.
  const items = corpus(4000, 500, 5);
  let ticks = 0;
  let last = Date.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const t0 = Date.now();
  const frames = await zseg.compressBatchAsync(items, { level: 15, threads: 1 });
  const elapsed = Date.now() - t0;
  clearInterval(timer);
  assert.equal(frames.length, items.length);
  t.diagnostic(`async batch: ${elapsed} ms, ${ticks} timer ticks, longest gap ${maxGap} ms`);
  assert.ok(elapsed >= 60, `the batch took only ${elapsed} ms: too short to tell`);
  assert.ok(ticks >= 5, `only ${ticks} timer ticks in ${elapsed} ms`);
  assert.ok(maxGap < elapsed / 2, `the timer stalled for ${maxGap} of ${elapsed} ms`);
  frames.close();
});

test('inputs stay referenced until the call completes (GC during the call)', async () => {
  const pending = [];
  for (let k = 0; k < 4; k++) {
    // The only references to these Buffers are the ones the binding keeps.
    pending.push(zseg.compressBatchAsync(corpus(3000, 300, 77 + k), { level: 9 }));
  }
  for (let i = 0; i < 5; i++) {
    gc();
    const junk = [];
    for (let j = 0; j < 2000; j++) junk.push(Buffer.alloc(256, j));
    await new Promise((r) => setImmediate(r));
  }
  const results = await Promise.all(pending);
  for (let k = 0; k < 4; k++) {
    const out = zseg.decompressBatch(results[k]);
    assertItems(out, corpus(3000, 300, 77 + k));
    out.close();
    results[k].close();
  }
});

test('closing handles during an async call defers the free until it completes', async () => {
  const items = corpus(2000, 300, 9);
  const comp = new zseg.Compressor({ level: 6 });
  const input = zseg.ZsegBuffer.from(items);
  const p = comp.compressAsync(input, { threads: 2 });
  assert.throws(() => comp.setParam('checksum', 1), { code: 'ZSEG_ERR_BUSY' });
  comp.close();
  input.close();
  assert.equal(comp.closed, true);
  assert.throws(() => comp.compress(items), { code: 'ZSEG_ERR_CLOSED' });
  const frames = await p;
  const dec = new zseg.Decompressor();
  const p2 = dec.decompressAsync(frames);
  frames.close();
  dec.close();
  const out = await p2;
  assertItems(out, items);
  out.close();
  await assert.rejects(comp.compressAsync(items), { code: 'ZSEG_ERR_CLOSED' });
});

test('an async call pins the collections its input views come from; a sync call refuses closed ones', async () => {
  const items = corpus(3000, 200, 21);
  for (let round = 0; round < 3; round++) {
    const frames = zseg.compressBatch(items, { level: 1 });
    const p = zseg.decompressBatchAsync(frames.toArray(), { threads: 2 });
    frames.close(); // deferred until the call completes
    assert.equal(frames.closed, true);
    zseg.compressBatch(items, { level: 1 }).close(); // would reuse freed memory
    const out = await p;
    assertItems(out, items);
    out.close();
  }
  const frames = zseg.compressBatch(items, { level: 1 });
  const views = frames.toArray();
  frames.close();
  assert.throws(() => zseg.decompressBatch(views), { code: 'ZSEG_ERR_CLOSED' });
  await assert.rejects(zseg.decompressBatchAsync(views), { code: 'ZSEG_ERR_CLOSED' });
  // Every other reader of bytes refuses them too (their memory is freed).
  assert.throws(() => zseg.ZsegBuffer.from(views), { code: 'ZSEG_ERR_CLOSED' });
  assert.throws(() => zseg.frameContentSize(views[0]), { code: 'ZSEG_ERR_CLOSED' });
  assert.throws(() => new zseg.Decompressor({ dictionary: views[1] }), { code: 'ZSEG_ERR_CLOSED' });
  assert.throws(() => zseg.trainDictionary(views), { code: 'ZSEG_ERR_CLOSED' });
});

test('async errors reject with ZsegError; per-item mode works async', async () => {
  const items = corpus(20, 100, 4);
  const frames = zseg.compressBatch(items).toArray({ copy: true });
  frames[5] = Buffer.from('bad');
  await assert.rejects(zseg.decompressBatchAsync(frames, { threads: 1 }),
    (e) => e instanceof zseg.ZsegError && e.code === 'ZSEG_ERR_ZSTD' && e.item === 5 && e.result === 6);
  await assert.rejects(zseg.decompressBatchAsync(frames, { maxItemSize: 1 }), { code: 'ZSEG_ERR_LIMIT' });
  await assert.rejects(zseg.compressBatchAsync('not an array'), TypeError);
  const out = await zseg.decompressBatchAsync(frames, { perItem: true, threads: 2 });
  assert.deepEqual(out.errors.map((e) => e.item), [5]);
  assert.ok(out.item(6).equals(items[6]));
  out.close();
});

test('an async call keeps reading its inputs when the caller transfers or shrinks them', async () => {
  // The C library reads the inputs on other threads until the Promise settles: a transfer list
  // must not detach (and free) an input ArrayBuffer meanwhile, nor may a resizable one shrink.
  const text = Buffer.from('zseg keeps async inputs in place. '.repeat(1 << 16));
  const detachable = new Uint8Array(new ArrayBuffer(text.length));
  detachable.set(text);
  const pending = zseg.compressBatchAsync([detachable], { level: 9 });
  let moved = null;
  try {
    moved = structuredClone(detachable.buffer, { transfer: [detachable.buffer] });
  } catch (e) {
    assert.equal(e.name, 'DataCloneError'); // newer Node refuses the transfer instead
  }
  moved = null;
  gc();
  assert.equal(detachable.byteLength, text.length, 'still attached');
  const frames = await pending;
  assertItems(zseg.decompressBatch(frames), [text]);

  const ab = new ArrayBuffer(text.length, { maxByteLength: text.length });
  new Uint8Array(ab).set(text);
  const shrinking = zseg.compressBatchAsync([new Uint8Array(ab)], { level: 9 });
  ab.resize(0);
  gc();
  assertItems(zseg.decompressBatch(await shrinking), [text]);

  // A caller's own sizes array is copied too.
  const sizes = new BigUint64Array([BigInt(text.length)]);
  const out = zseg.decompressBatchAsync(frames, { sizes });
  sizes[0] = 1n;
  assertItems(await out, [text]);
  frames.close();
});
