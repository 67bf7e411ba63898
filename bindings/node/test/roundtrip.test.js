'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const zseg = require('..');
const { corpus, assertItems } = require('../testing/helpers');

const items = corpus(300, 200);

test('library is loaded and reports its versions', () => {
  assert.match(zseg.version, /^\d+\.\d+\.\d+/);
  assert.ok(zseg.zstdVersion >= 10400, `zstd ${zseg.zstdVersion}`);
  assert.equal(typeof zseg.zeroCopy, 'boolean');
  assert.match(zseg.libraryPath, /zseg/);
});

test('round trip at several levels', () => {
  for (const level of [-5, 1, 3, 9, 19]) {
    const frames = zseg.compressBatch(items, { level });
    assert.equal(frames.length, items.length);
    const out = zseg.decompressBatch(frames);
    assertItems(out, items);
    out.close();
    frames.close();
  }
});

test('threads 0, 1, 2 and all CPUs give identical frames', () => {
  const ref = zseg.compressBatch(items, { level: 3, threads: 1 });
  for (const threads of [0, 2, -1]) {
    const c = zseg.compressBatch(items, { level: 3, threads });
    assert.equal(c.length, ref.length);
    for (let i = 0; i < c.length; i++) assert.ok(c.item(i).equals(ref.item(i)), `frame ${i}`);
    const d = zseg.decompressBatch(c, { threads });
    assertItems(d, items);
    d.close();
    c.close();
  }
  ref.close();
});

test('frames are standard zstd frames with the content size', () => {
  const c = zseg.compressBatch(items.slice(0, 20));
  for (let i = 0; i < 20; i++) {
    const f = c.item(i);
    assert.equal(f.readUInt32LE(0), 0xfd2fb528); // zstd magic
    assert.equal(zseg.frameContentSize(f), items[i].length);
  }
  c.close();
});

test('empty batch and empty items', () => {
  const empty = zseg.compressBatch([]);
  assert.equal(empty.length, 0);
  assert.equal(empty.size, 0);
  assert.deepEqual(empty.toArray(), []);
  const dEmpty = zseg.decompressBatch(empty);
  assert.equal(dEmpty.length, 0);
  const dEmpty2 = zseg.decompressBatch([]);
  assert.equal(dEmpty2.length, 0);
  for (const h of [empty, dEmpty, dEmpty2]) h.close();

  const withEmpty = [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0), new Uint8Array(0)];
  const c = zseg.compressBatch(withEmpty);
  assert.equal(c.length, 4);
  assert.ok(c.item(0).length > 0, 'an empty item still becomes a (small) frame');
  const d = zseg.decompressBatch(c);
  assertItems(d, withEmpty);
  assert.equal(d.item(0).length, 0);
  d.close();
  c.close();

  const allEmpty = zseg.decompressBatch(zseg.compressBatch([Buffer.alloc(0), Buffer.alloc(0)]));
  assert.equal(allEmpty.length, 2);
  assert.equal(allEmpty.size, 0);
  assert.deepEqual(allEmpty.toArray().map((b) => b.length), [0, 0]);
  allEmpty.close();
});

test('inputs of every kind: Buffer slices, typed arrays, DataView, (Shared)ArrayBuffer, string', () => {
  const pool = Buffer.from('0123456789abcdefghij'); // a slice of Node's shared pool
  const small = new Uint8Array([1, 2, 3, 4]); // small typed arrays may live on the V8 heap
  const wide = new Uint16Array([0x4142, 0x4344]);
  const ab = new ArrayBuffer(6);
  new Uint8Array(ab).set([9, 8, 7, 6, 5, 4]);
  const sab = new SharedArrayBuffer(12);
  new Uint8Array(sab).set([1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]);
  const inputs = [pool.subarray(3, 9), small, wide, new DataView(ab, 1, 3), ab, 'héllo', pool,
    new Uint8Array(sab, 5, 4), sab];
  const expected = inputs.map((x) => {
    if (typeof x === 'string') return Buffer.from(x);
    if (x instanceof ArrayBuffer || x instanceof SharedArrayBuffer) return Buffer.from(new Uint8Array(x));
    return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  });
  const c = zseg.compressBatch(inputs);
  const d = zseg.decompressBatch(c);
  assertItems(d, expected);
  d.close();
  c.close();
});

test('ZsegBuffer and Collection inputs (zero-copy on the C side)', () => {
  const buf = zseg.ZsegBuffer.from(items);
  assert.equal(buf.length, items.length);
  assertItems(buf, items);
  const frames = zseg.compressBatch(buf, { threads: 2 });
  buf.close();
  const fromArray = zseg.compressBatch(items);
  for (let i = 0; i < items.length; i++) assert.ok(frames.item(i).equals(fromArray.item(i)));

  const coll = zseg.Collection.from([frames, fromArray]);
  assert.equal(coll.length, 2 * items.length);
  assert.equal(coll.bufferCount, frames.bufferCount + fromArray.bufferCount);
  const d = zseg.decompressBatch(coll, { threads: 2 });
  assertItems(d, items.concat(items));

  const packed = zseg.ZsegBuffer.fromPacked(Buffer.concat(frames.toArray()),
    (() => { let o = 0; return frames.toArray().map((f) => { const s = [o, f.length]; o += f.length; return s; }); })());
  const d2 = zseg.decompressBatch(packed);
  assertItems(d2, items);
  for (const h of [frames, fromArray, coll, d, packed, d2]) h.close();
});

test('ZsegBuffer.fromPacked accepts 16-byte segment records (python-zstandard layout)', () => {
  const data = Buffer.from('helloworld!');
  const segs = new BigUint64Array([0n, 5n, 5n, 5n, 10n, 1n, 3n, 0n]);
  const b = zseg.ZsegBuffer.fromPacked(data, segs);
  assert.deepEqual(b.toArray().map(String), ['hello', 'world', '!', '']);
  assert.equal(b.size, 11);
  b.close();
  // Records at an odd offset of a byte stream (C reads them as uint64_t: the binding aligns).
  const stream = Buffer.alloc(1 + segs.byteLength);
  Buffer.from(segs.buffer).copy(stream, 1);
  const odd = zseg.ZsegBuffer.fromPacked(data, stream.subarray(1));
  assert.deepEqual(odd.toArray().map(String), ['hello', 'world', '!', '']);
  odd.close();
});

test('Compressor and Decompressor reuse, parameters, iteration', () => {
  const comp = new zseg.Compressor({ level: 5, checksum: true });
  const dec = new zseg.Decompressor();
  assert.ok(comp.memorySize >= 0);
  for (let round = 0; round < 3; round++) {
    const part = items.slice(round * 50, round * 50 + 50);
    const frames = comp.compress(part, { threads: round });
    assert.equal(frames.item(0)[4] & 0x04, 0x04, 'checksum flag set in the frame header');
    const out = dec.decompress(frames.toArray(), { threads: 2 });
    assert.deepEqual([...out].map((b) => b.toString()), part.map((b) => b.toString()));
    frames.close();
    out.close();
  }
  comp.setParam('contentSize', false);
  const noSize = comp.compress([Buffer.from('abc')]);
  assert.throws(() => zseg.frameContentSize(noSize.item(0)), { code: 'ZSEG_ERR_NO_CONTENT_SIZE' });
  assert.throws(() => dec.decompress(noSize), { code: 'ZSEG_ERR_NO_CONTENT_SIZE', item: 0 });
  const withSizes = dec.decompress(noSize, { sizes: [3] });
  assert.equal(withSizes.item(0).toString(), 'abc');
  assert.throws(() => dec.decompress(noSize, { sizes: [zseg.SIZE_UNKNOWN] }), { code: 'ZSEG_ERR_NO_CONTENT_SIZE' });
  assert.throws(() => comp.setParam('windowLog', 99), { code: 'ZSEG_ERR_INVALID_ARGUMENT', result: 2 });
  assert.throws(() => comp.setParam('nope', 1), TypeError);
  noSize.close();
  withSizes.close();
  comp.close();
  dec.close();
});

test('sizes given: exact sizes round-trip, header sizes may be left unknown', async () => {
  const frames = zseg.compressBatch(items.slice(0, 10));
  const sizes = items.slice(0, 10).map((b, i) => (i % 2 ? b.length : null));
  const d = zseg.decompressBatch(frames, { sizes });
  assertItems(d, items.slice(0, 10));
  const d2 = zseg.decompressBatch(frames, { sizes: new BigUint64Array(items.slice(0, 10).map((b) => BigInt(b.length))) });
  assertItems(d2, items.slice(0, 10));
  assert.throws(() => zseg.decompressBatch(frames, { sizes: [1, 2] }), RangeError);
  for (const h of [frames, d, d2]) h.close();
});

test('copyItem and toArray({copy: true}) give independent copies', () => {
  const c = zseg.compressBatch(items.slice(0, 5));
  const d = zseg.decompressBatch(c);
  const copies = d.toArray({ copy: true });
  const one = d.copyItem(2);
  d.close();
  c.close();
  assert.deepEqual(copies.map(String), items.slice(0, 5).map(String));
  assert.equal(one.toString(), items[2].toString());
});
