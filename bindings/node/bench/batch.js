'use strict';
// How to hand a batch of JS Buffers to the C library, measured:
//   node bench/batch.js [items] [itemSize]
// - slices: compress(Buffer[]) builds an array of zseg_slice {ptr, len} pointing at the JS
//   Buffers (no copy of the data) and calls zseg_compress_slices;
// - packed: ZsegBuffer.from(Buffer[]) copies every item into one buffer + segments first, then
//   zseg_compress_buffer;
// - loop: one compress call per item (what a binding without batches would do).

const zseg = require('..');
const { corpus } = require('../testing/helpers');

const n = parseInt(process.argv[2], 10) || 100000;
const size = parseInt(process.argv[3], 10) || 100;
const items = corpus(n, size, 1);
const bytes = items.reduce((a, b) => a + b.length, 0);

function ms(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function report(name, best) {
  console.log(`${name.padEnd(48)} ${best.toFixed(2).padStart(9)} ms  ${(bytes / best / 1e3).toFixed(0).padStart(6)} MB/s`);
  return best;
}

// Best of `reps` runs; the variants of one group run in turn, so that load and the state of
// the allocator hit them alike.
function group(variants, reps = 5) {
  const best = variants.map(() => Infinity);
  for (const [, fn] of variants) fn(); // warm up
  for (let r = 0; r < reps; r++) {
    variants.forEach(([, fn], k) => { best[k] = Math.min(best[k], ms(fn)); });
  }
  return variants.map(([name], k) => report(name, best[k]));
}

function time(name, fn, reps = 5) {
  return group([[name, fn]], reps)[0];
}

console.log(`${n} items, ${(bytes / 1e6).toFixed(1)} MB, zero-copy views: ${zseg.zeroCopy}`);
const comp = new zseg.Compressor({ level: 1 });
const dec = new zseg.Decompressor();

group([
  ['compress(Buffer[]): zseg_slice array, no copy', () => comp.compress(items).close()],
  ['ZsegBuffer.from(Buffer[]) + compress(buffer)', () => {
    const b = zseg.ZsegBuffer.from(items);
    comp.compress(b).close();
    b.close();
  }],
  ['  of which ZsegBuffer.from (packing, 2 copies)', () => zseg.ZsegBuffer.from(items).close()],
]);
const few = items.slice(0, Math.min(n, 10000));
const loopMs = time(`loop of single-item compress (${few.length} items)`, () => {
  for (const it of few) comp.compress([it]).close();
}, 2);
console.log(`  -> ${(loopMs * 1000 / few.length).toFixed(2)} us per item`);

const frames = comp.compress(items);
const frameArray = frames.toArray();
group([
  ['decompress(Collection): C reads it in place', () => dec.decompress(frames).close()],
  ['decompress(Buffer[] of views): zseg_slice array', () => dec.decompress(frameArray).close()],
  ['decompress + item(i) (zero-copy) for every item', () => {
    const d = dec.decompress(frames);
    for (let i = 0; i < d.length; i++) d.item(i);
    d.close();
  }],
  ['decompress + copyItem(i) for every item', () => {
    const d = dec.decompress(frames);
    for (let i = 0; i < d.length; i++) d.copyItem(i);
    d.close();
  }],
  ['decompress, threads: 2', () => dec.decompress(frames, { threads: 2 }).close()],
]);
frames.close();
comp.close();
dec.close();
