/**
 * `layer_names` over Keras's 64,512-byte header limit: split into `layer_names0`, `layer_names1`,
 * ... as `save_attributes_to_hdf5_group` splits it (numpy's array_split of fixed-size names),
 * read back by h5py as Keras's `load_attributes_from_hdf5_group` reads it, and by our reader.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nameChunks } from '../src/core/keras/hdf5';
import { readStoredLayers } from '../src/core/keras/kerasFiles';
import { writeLegacyH5 } from '../src/core/keras/kerasWriters';
import { kerasModelLayers } from '../src/core/keras/toKerasConfig';
import { resolveSpec } from '../src/core/resolve';

const PYTHON = '/usr/bin/python3';

function python(script: string, ...args: string[]): string {
  const r = cp.spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0 && /No module named/.test(r.stderr) && process.env.CI !== 'true') return '';
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

/** Keras's own loop, in numpy: the chunk lengths and item size it would write. */
const NUMPY_CHUNKS = String.raw`
import json, sys, numpy as np
out = []
for n, size in json.loads(sys.argv[1]):
    data = np.asarray([("x" * size).encode("utf8")] * n)
    k = 1
    chunks = np.array_split(data, k)
    while any(c.nbytes > 64512 for c in chunks):
        k += 1
        chunks = np.array_split(data, k)
    out.append({"itemSize": int(data.dtype.itemsize), "lengths": [len(c) for c in chunks]})
print(json.dumps(out))
`;

/** Keras's `load_attributes_from_hdf5_group`, and what h5py sees of the attributes. */
const H5PY_READER = String.raw`
import json, sys, h5py
def load_attributes_from_hdf5_group(group, name):
    if name in group.attrs:
        return [n.decode("utf8") if hasattr(n, "decode") else n for n in group.attrs[name]]
    data = []
    chunk_id = 0
    while f"{name}{chunk_id}" in group.attrs:
        data.extend([n.decode("utf8") if hasattr(n, "decode") else n for n in group.attrs[f"{name}{chunk_id}"]])
        chunk_id += 1
    return data
with h5py.File(sys.argv[1], "r") as f:
    g = f["model_weights"]
    attrs = {k: {"shape": list(g.attrs[k].shape), "dtype": str(g.attrs[k].dtype)} for k in g.attrs if k.startswith("layer_names")}
    names = load_attributes_from_hdf5_group(g, "layer_names")
    weighted = [n for n in names if load_attributes_from_hdf5_group(g[n], "weight_names")]
    print(json.dumps({"attrs": attrs, "names": names, "weighted": weighted}))
`;

describe('Keras .h5: layer_names split over the HDF5 header limit', () => {
  it('splits as numpy array_split does in Keras, for sizes around the limit', () => {
    const cases: [number, number][] = [[1, 5], [3, 21504], [4, 21504], [1000, 64], [1008, 64], [1009, 64], [1700, 80], [800, 170], [5000, 200], [7, 64512]];
    const want = python(NUMPY_CHUNKS, JSON.stringify(cases));
    if (!want) return;
    const got = cases.map(([n, size]) => {
      const { itemSize, chunks } = nameChunks(Array.from({ length: n }, () => 'x'.repeat(size)));
      return { itemSize, lengths: chunks.map((c) => c.length) };
    });
    assert.deepStrictEqual(got, JSON.parse(want));
    assert.throws(() => nameChunks(['x'.repeat(64513)]), /A name of 64513 bytes cannot be saved in an HDF5 attribute/);
  });

  it('a model of 800 layers with 170-character names: layer_names0..2 that h5py and our reader read back in order', async function () {
    this.timeout(120_000);
    const stem = 'a_rather_long_descriptive_layer_name_as_generated_code_sometimes_makes_them_'.repeat(2).padEnd(166, 'x');
    const layers = [
      { type: 'Input', shape: [4] },
      ...Array.from({ length: 799 }, (_, i) => ({ type: 'Activation', activation: 'relu', name: `${stem}${String(i).padStart(4, '0')}` })),
      { type: 'Dense', units: 2, name: 'head' },
    ];
    const r = resolveSpec(JSON.stringify({ layers, compile: { loss: 'mse' } }));
    if (!r.ok) throw new Error(r.message);
    const names = kerasModelLayers(r.spec).map((l) => l.name);
    assert.strictEqual(names.length, 800);
    const weights = kerasModelLayers(r.spec).map((l) => (l.type === 'Dense' ? [{ shape: [4, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }, { shape: [2], data: Float32Array.from([9, 10]) }] : []));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-chunks-'));
    try {
      const file = path.join(dir, 'deep.h5');
      await writeLegacyH5(file, r.spec, weights);
      const read = await readStoredLayers(file, r.spec.layers.map((l) => l.type));
      assert.deepStrictEqual(read.map((l) => [l.name, l.weights.map((w) => [...w.data])]), [['head', [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10]]]]);
      const out = python(H5PY_READER, file);
      if (!out) return;
      const seen = JSON.parse(out) as { attrs: Record<string, { shape: number[]; dtype: string }>; names: string[]; weighted: string[] };
      // 170-byte names: 800 x 170 = 136,000 bytes, so three chunks of 267, 267 and 266 names.
      assert.deepStrictEqual(seen.attrs, {
        layer_names0: { shape: [267], dtype: '|S170' },
        layer_names1: { shape: [267], dtype: '|S170' },
        layer_names2: { shape: [266], dtype: '|S170' },
      });
      assert.deepStrictEqual(seen.names, names);
      assert.deepStrictEqual(seen.weighted, ['head']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
