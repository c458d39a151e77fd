/**
 * TensorBoard event files, written without a protobuf library: TFRecord framing with masked
 * CRC-32C (tensorboard/summary/writer/record_writer.py) around `Event` protos
 * (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto), holding summaries the
 * way TF2's `tf.summary.scalar` / `histogram` write them: a tensor plus plugin metadata.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// ---- CRC-32C (Castagnoli), as TFRecord frames use it.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15, add 0xa282ead8. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length (uint64 LE), its masked CRC, the data, the data's masked CRC. */
export function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(data.length));
  const out = Buffer.alloc(16 + data.length);
  header.copy(out, 0);
  out.writeUInt32LE(maskedCrc32c(header), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// ---- Protobuf wire format: just the field kinds these messages use.
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
}

/** Serializes message fields in order; each helper appends one field. */
class Proto {
  private readonly chunks: Uint8Array[] = [];
  private key(field: number, wire: number): void { this.chunks.push(Uint8Array.from(varint((field << 3) | wire))); }
  int(field: number, v: number): this { this.key(field, 0); this.chunks.push(Uint8Array.from(varint(v))); return this; }
  double(field: number, v: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.chunks.push(b);
    return this;
  }
  bytes(field: number, v: Uint8Array): this {
    this.key(field, 2);
    this.chunks.push(Uint8Array.from(varint(v.length)), v);
    return this;
  }
  string(field: number, v: string): this { return this.bytes(field, Buffer.from(v, 'utf8')); }
  message(field: number, m: Proto): this { return this.bytes(field, m.toBytes()); }
  toBytes(): Uint8Array { return Buffer.concat(this.chunks); }
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

/** TensorShapeProto: `dim` = 2, each `Dim.size` = 1. A scalar has no dims (an empty message). */
function shapeProto(dims: number[]): Proto {
  const p = new Proto();
  for (const d of dims) p.message(2, new Proto().int(1, d));
  return p;
}

/** SummaryMetadata: `plugin_data` = 1 with `plugin_name` = 1 and `content` = 2 (left out when empty, as proto3 does). */
function pluginMetadata(plugin: string, content?: string): Proto {
  const data = new Proto().string(1, plugin);
  if (content) data.string(2, content);
  return new Proto().message(1, data);
}

/** A summary value: `tag` = 1, `metadata` = 9, `tensor` = 8 (TensorProto: dtype 1, tensor_shape 2, tensor_content 4, string_val 8). */
function summaryValue(tag: string, tensor: Proto, metadata: Proto): Proto {
  return new Proto().string(1, tag).message(9, metadata).message(8, tensor);
}

/** The 30 `[left, right, count]` buckets of TensorBoard's histogram summary_v2 `_buckets`. */
export function histogramBuckets(values: ArrayLike<number>, bucketCount = 30): Float64Array {
  const out = new Float64Array(bucketCount * 3);
  if (values.length === 0) return out;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) { min = Math.min(min, values[i]); max = Math.max(max, values[i]); }
  const range = max - min;
  if (range === 0) {
    for (let b = 0; b < bucketCount; b++) { out[b * 3] = max; out[b * 3 + 1] = max; }
    out[(bucketCount - 1) * 3 + 2] = values.length;
    return out;
  }
  const width = range / bucketCount;
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(Math.floor((values[i] - min) / width), bucketCount - 1);
    out[b * 3 + 2] += 1;
  }
  for (let b = 0; b < bucketCount; b++) {
    out[b * 3] = min + (range * b) / bucketCount;
    out[b * 3 + 1] = b === bucketCount - 1 ? max : min + (range * (b + 1)) / bucketCount;
  }
  return out;
}

let uid = 0;

/** One event file (`events.out.tfevents.<secs>.<host>.<pid>.<n>.v2`) in a folder, appended to record by record. */
export class EventFileWriter {
  readonly file: string;
  private readonly fd: number;

  constructor(dir: string, now = Date.now()) {
    fs.mkdirSync(dir, { recursive: true });
    const secs = String(Math.floor(now / 1000)).padStart(10, '0');
    this.file = path.join(dir, `events.out.tfevents.${secs}.${os.hostname()}.${process.pid}.${uid++}.v2`);
    this.fd = fs.openSync(this.file, 'a');
    // Event: wall_time = 1, file_version = 3.
    this.write(new Proto().double(1, now / 1000).string(3, 'brain.Event:2'));
  }

  private write(event: Proto): void {
    fs.writeSync(this.fd, tfRecord(event.toBytes()));
  }

  /** An Event (`wall_time` = 1, `step` = 2, `summary` = 5) with one summary value. */
  private summary(step: number, value: Proto): void {
    this.write(new Proto().double(1, Date.now() / 1000).int(2, step).message(5, new Proto().message(1, value)));
  }

  /** A float32 scalar as `tf.summary.scalar` writes it (plugin `scalars`). */
  scalar(tag: string, step: number, v: number): void {
    const content = Buffer.alloc(4);
    content.writeFloatLE(v);
    const tensor = new Proto().int(1, DT_FLOAT).message(2, shapeProto([])).bytes(4, content);
    this.summary(step, summaryValue(tag, tensor, pluginMetadata('scalars')));
  }

  /** A histogram as `tf.summary.histogram` writes it: a float64 [30, 3] tensor (plugin `histograms`). */
  histogram(tag: string, step: number, values: ArrayLike<number>): void {
    const buckets = histogramBuckets(values);
    // tensor_content is little-endian, as Float64Array is on every platform Node runs on here.
    const tensor = new Proto().int(1, DT_DOUBLE).message(2, shapeProto([buckets.length / 3, 3])).bytes(4, new Uint8Array(buckets.buffer));
    this.summary(step, summaryValue(tag, tensor, pluginMetadata('histograms')));
  }

  /** The model's JSON config as Keras's `keras_model_summary` writes it (plugin `graph_keras_model`). */
  modelConfig(tag: string, json: string): void {
    const tensor = new Proto().int(1, DT_STRING).message(2, shapeProto([])).string(8, json);
    this.summary(0, summaryValue(tag, tensor, pluginMetadata('graph_keras_model', '1')));
  }

  /** Flushes what was written to disk. */
  flush(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
