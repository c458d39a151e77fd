import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { unzipSync } from 'fflate';
import { train } from '../src/trainer/train';
import type { FromTrainer } from '../src/shared/trainerProtocol';

// ---- A reader of its own (not the writer's code): bitwise CRC-32C and a generic protobuf walk.

/** CRC-32C bit by bit (reflected polynomial 0x82F63B78), no table. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}
const masked = (bytes: Uint8Array): number => {
  const c = crc32cBitwise(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
};

/** TFRecords of a file, each CRC checked. */
function records(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length;) {
    const len = Number(buf.readBigUInt64LE(at));
    assert.strictEqual(buf.readUInt32LE(at + 8), masked(buf.subarray(at, at + 8)), `length CRC of record ${out.length}`);
    const data = buf.subarray(at + 12, at + 12 + len);
    assert.strictEqual(buf.readUInt32LE(at + 12 + len), masked(data), `data CRC of record ${out.length}`);
    out.push(data);
    at += 16 + len;
  }
  return out;
}

type Field = { n: number; wire: number; v: bigint | Buffer };
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let r = 0n;
    for (let s = 0n; ; s += 7n) {
      const b = buf[at++];
      r |= BigInt(b & 0x7f) << s;
      if (!(b & 0x80)) return r;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) out.push({ n: key >> 3, wire, v: varint() });
    else if (wire === 1) { out.push({ n: key >> 3, wire, v: buf.subarray(at, at + 8) }); at += 8; }
    else if (wire === 2) { const len = Number(varint()); out.push({ n: key >> 3, wire, v: buf.subarray(at, at + len) }); at += len; }
    else if (wire === 5) { out.push({ n: key >> 3, wire, v: buf.subarray(at, at + 4) }); at += 4; }
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const one = (fs_: Field[], n: number): Field | undefined => fs_.find((f) => f.n === n);
const bytes = (f: Field | undefined): Buffer => f?.v as Buffer;

interface Decoded { fileVersion?: string; step: number; tag?: string; plugin?: string; dtype?: number; dims?: number[]; content?: Buffer }
/** Event (wall_time 1, step 2, file_version 3, summary 5) -> Summary.value 1 -> tag 1, tensor 8, metadata 9. */
function decodeEvent(rec: Buffer): Decoded {
  const ev = fields(rec);
  const version = one(ev, 3);
  const step = Number((one(ev, 2)?.v as bigint | undefined) ?? 0n);
  if (version) return { fileVersion: bytes(version).toString('utf8'), step };
  const value = fields(bytes(one(fields(bytes(one(ev, 5))), 1)));
  const tensor = fields(bytes(one(value, 8)));
  const meta = fields(bytes(one(value, 9)));
  const shape = fields(bytes(one(tensor, 2)) ?? Buffer.alloc(0));
  return {
    step, tag: bytes(one(value, 1)).toString('utf8'),
    plugin: bytes(one(fields(bytes(one(meta, 1))), 1)).toString('utf8'),
    dtype: Number(one(tensor, 1)?.v), dims: shape.filter((f) => f.n === 2).map((d) => Number(one(fields(d.v as Buffer), 1)?.v ?? 0n)),
    content: bytes(one(tensor, 4)) ?? bytes(one(tensor, 8)),
  };
}

function eventsIn(dir: string): Decoded[] {
  const files = fs.readdirSync(dir);
  assert.strictEqual(files.length, 1, files.join(','));
  assert.match(files[0], /^events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+\.v2$/);
  return records(path.join(dir, files[0])).map(decodeEvent);
}

function historyCsv(file: string): Record<string, number[]> {
  const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const keys = head.split(',');
  const out: Record<string, number[]> = {};
  for (const row of rows) row.split(',').forEach((v, i) => (out[keys[i]] ??= []).push(Number(v)));
  return out;
}

describe('TensorBoard event files and Keras checkpoints from a real training run', function () {
  this.timeout(180000);

  it('writes train/ and validation/ event files whose scalars match history.csv, weight histograms, and Keras checkpoints', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-tb-'));
    const specText = `{
      "name": "tb", "seed": 3,
      "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 300 } },
      "layers": [
        { "type": "Flatten", "input_shape": [28, 28] },
        { "type": "Dense", "units": 16, "activation": "relu" },
        { "type": "BatchNormalization" },
        { "type": "Dense", "units": 10, "activation": "softmax" }
      ],
      "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "learning_rate": 0.1 }, "metrics": ["accuracy"] },
      "fit": { "epochs": 3, "batch_size": 50, "callbacks": [
        { "type": "TensorBoard", "log_dir": "tb", "histogram_freq": 2 },
        { "type": "TensorBoard", "log_dir": "logs/batches", "update_freq": "batch", "write_graph": false },
        { "type": "ModelCheckpoint", "filepath": "ckpt-{epoch:02d}.keras" },
        { "type": "ModelCheckpoint", "filepath": "model_ckpt_06_09.h5", "save_best_only": true },
        { "type": "ModelCheckpoint", "filepath": "w.weights.h5", "save_weights_only": true }
      ] }
    }`;
    const specPath = path.join(dir, 'tb.model.json');
    fs.writeFileSync(specPath, specText);
    const msgs: FromTrainer[] = [];
    await train({ type: 'start', specPath, specText, runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 600 }, { emit: (m) => msgs.push(m), cancelled: () => false });
    const done = msgs.find((m) => m.type === 'done') as Extract<FromTrainer, { type: 'done' }> | undefined;
    assert.ok(done, JSON.stringify(msgs.filter((m) => m.type === 'error')));
    const history = historyCsv(path.join(done.runDir, 'history.csv'));

    const trainEvents = eventsIn(path.join(done.runDir, 'tb', 'train'));
    const valEvents = eventsIn(path.join(done.runDir, 'tb', 'validation'));
    for (const events of [trainEvents, valEvents]) assert.deepStrictEqual(events[0], { fileVersion: 'brain.Event:2', step: 0 });
    const scalars = (events: Decoded[]) => events.filter((e) => e.plugin === 'scalars');
    for (const e of [...scalars(trainEvents), ...scalars(valEvents)]) {
      assert.deepStrictEqual([e.dtype, e.dims, e.content?.length], [1, [], 4], `${e.tag}: a float32 scalar tensor`);
    }
    const series = (events: Decoded[], tag: string) => scalars(events).filter((e) => e.tag === tag).map((e) => [e.step, (e.content as Buffer).readFloatLE(0)]);
    const f32 = (x: number) => Math.fround(x);
    for (const key of ['loss', 'accuracy']) {
      assert.deepStrictEqual(series(trainEvents, `epoch_${key}`), history[key].map((v, i) => [i, f32(v)]), `epoch_${key}`);
      assert.deepStrictEqual(series(valEvents, `epoch_${key}`), history[`val_${key}`].map((v, i) => [i, f32(v)]), `validation epoch_${key}`);
    }
    assert.deepStrictEqual(series(trainEvents, 'epoch_learning_rate'), [[0, f32(0.1)], [1, f32(0.1)], [2, f32(0.1)]]);
    assert.strictEqual(series(valEvents, 'epoch_learning_rate').length, 0, 'the learning rate goes to train/ only');

    const graph = trainEvents.find((e) => e.plugin === 'graph_keras_model');
    assert.strictEqual(JSON.parse((graph?.content as Buffer).toString('utf8')).class_name, 'Sequential');
    const histos = trainEvents.filter((e) => e.plugin === 'histograms');
    const tags = ['dense/kernel', 'dense/bias', 'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'dense_1/kernel', 'dense_1/bias'].map((t) => `tb/${t}/histogram`);
    assert.deepStrictEqual(histos.map((h) => [h.step, h.tag]), [0, 2].flatMap((step) => tags.map((t) => [step, t])), 'histogram_freq 2: epochs 0 and 2');
    for (const h of histos) {
      assert.deepStrictEqual([h.dtype, h.dims], [2, [30, 3]]);
      const c = h.content as Buffer;
      const counts = Array.from({ length: 30 }, (_, i) => c.readDoubleLE((i * 3 + 2) * 8));
      const expectedCount = h.tag?.startsWith('tb/dense/kernel') ? 784 * 16 : h.tag?.startsWith('tb/dense_1/kernel') ? 160 : h.tag?.startsWith('tb/dense_1') ? 10 : 16;
      assert.strictEqual(counts.reduce((a, b) => a + b, 0), expectedCount, h.tag);
    }

    // update_freq "batch": running means as batch_<key> at the 1-based global batch; an epoch's last one is its logged value.
    const batchEvents = eventsIn(path.join(done.runDir, 'logs', 'batches', 'train'));
    assert.ok(!batchEvents.some((e) => e.plugin === 'graph_keras_model' || e.plugin === 'histograms'));
    const batchLoss = series(batchEvents, 'batch_loss');
    assert.deepStrictEqual(batchLoss.map(([step]) => step), Array.from({ length: 36 }, (_, i) => i + 1), '12 batches of 50 in each of 3 epochs');
    assert.deepStrictEqual([12, 24, 36].map((n) => batchLoss[n - 1][1]), history.loss.map(f32));
    assert.deepStrictEqual(series(batchEvents, 'epoch_loss'), history.loss.map((v, i) => [i, f32(v)]));

    // Checkpoints: the Keras formats their extensions name, not folders.
    const files = fs.readdirSync(done.runDir);
    for (const f of ['ckpt-01.keras', 'ckpt-02.keras', 'ckpt-03.keras', 'model_ckpt_06_09.h5', 'w.weights.h5']) assert.ok(fs.statSync(path.join(done.runDir, f)).isFile(), f);
    assert.deepStrictEqual(Object.keys(unzipSync(fs.readFileSync(path.join(done.runDir, 'ckpt-03.keras')))), ['metadata.json', 'config.json', 'model.weights.h5']);
    const hdf5Magic = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    for (const f of ['model_ckpt_06_09.h5', 'w.weights.h5']) assert.ok(fs.readFileSync(path.join(done.runDir, f)).subarray(0, 8).equals(hdf5Magic), f);
    assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temporary files left');
  });
});
