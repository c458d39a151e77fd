/**
 * Our providers next to VS Code's JSON support, run for real (vscode-json-languageservice) with
 * the shipped editor schema: no duplicate completion items, no duplicate problems, no repeated
 * hover text; and the editor schema still completes what the strict one does.
 */
import * as assert from 'assert';
import { analyze } from '../../src/core/analyze';
import { Code } from '../../src/core/diagnostics';
import { lookup } from '../../src/core/registry';
import { completions, hover } from '../../src/editor';
import { MLP, spec } from '../helpers';
import { cursor } from './cursor';
import { bareLabel, jsonCompletions, jsonDiagnostics, jsonHover, strictJson } from './jsonLanguageService';

/** Every place our completion offers something (the cases of completion.test.ts and more). */
const OUR_PLACES = [
  '|',
  spec(`|\n    { "type": "Dense", "units": 10, "activation": "softmax" }`),
  spec(`${MLP},\n    |`),
  spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300, "activation": "selu", "kernel_initializer": "|" }, { "type": "Dense", "units": 10, "activation": "softmax" }`),
  spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300, "activation": "relu", "kernel_initializer": | }, { "type": "Dense", "units": 10, "activation": "softmax" }`),
  spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 300, "activation": "tanh", "kernel_initializer": { "type": "|" } }, { "type": "Dense", "units": 10, "activation": "softmax" }`),
  spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "|" }`),
  spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": |, "activation": "softmax" }`),
  spec(`{ "type": "Flatten", "input_shape": | }, { "type": "Dense", "units": 10, "activation": "softmax" }`),
  spec(MLP, '', '"compile": { "loss": "|", "metrics": ["accuracy"] }'),
  spec(MLP, '', '"compile": { "loss": { "type": | } }'),
  spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "monitor": "|" }] }'),
  spec(MLP, '"fit": { "callbacks": [{ "type": "ReduceLROnPlateau", "monitor": | }] }'),
  spec(MLP, '"fit": { "callbacks": [{ "type": "ModelCheckpoint", "filepath": "|" }] }'),
  spec(MLP, '"fit": { "callbacks": [|] }'),
  spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping" }, |] }'),
  spec(MLP, '"variants": [|]'),
  spec(MLP, '"layer_defaults": { "Dense": { "activation": "selu", "kernel_initializer": "|" } }'),
];

describe('editor: next to VS Code\'s JSON support (editor schema)', () => {
  it('our completion never offers a label the JSON support offers at the same place', async () => {
    for (const src of OUR_PLACES) {
      const { text, offset } = cursor(src);
      const ours = completions(text, offset);
      assert.ok(ours.length, `we offer something at ${JSON.stringify(src.slice(Math.max(0, offset - 40), offset + 10))}`);
      const theirs = new Set((await jsonCompletions(text, offset)).map(bareLabel));
      const both = ours.map(bareLabel).filter((l) => theirs.has(l));
      assert.deepStrictEqual(both, [], `duplicates at ${JSON.stringify(src.slice(Math.max(0, offset - 40), offset + 10))}`);
    }
  });

  it('still completes layer types, per-type arguments, names with docs, and reference arguments', async () => {
    const at = async (src: string): Promise<Map<string, { documentation?: unknown; insertText?: string }>> => {
      const { text, offset } = cursor(src);
      return new Map((await jsonCompletions(text, offset)).map((i) => [bareLabel(i), i]));
    };
    const types = await at(spec(`{ "type": "|" }`));
    assert.ok(types.has('Dense') && types.has('Conv2D') && types.has('Flatten'));
    const dense = await at(spec(`{ "type": "Dense", | }`));
    assert.ok(dense.has('units') && dense.has('kernel_initializer') && !dense.has('kernel_size'), [...dense.keys()].join());
    const conv = await at(spec(`{ "type": "Conv2D", | }`));
    assert.ok(conv.has('kernel_size') && conv.has('filters') && !conv.has('units'));
    const act = await at(spec(`{ "type": "Dense", "activation": "|" }`));
    assert.match(JSON.stringify(act.get('relu')?.documentation), /Rectified linear unit/);
    const sgd = await at(spec(MLP, '', '"compile": { "loss": "mse", "optimizer": { "type": "SGD", | } }'));
    assert.ok(sgd.has('momentum') && sgd.has('nesterov') && !sgd.has('beta_1'));
    const early = await at(spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", | }] }'));
    assert.ok(early.has('patience') && early.has('restore_best_weights') && !early.has('filepath'));
  });

  it('offers every item the strict schema offers, inserting a value after each key as it does', async () => {
    const places = [
      spec(`{ "type": "Dense", | }`),
      spec(`{ "type": "Conv2D", | }`),
      spec(MLP, '', '"compile": { | }'),
      spec(MLP, '"data": { | }'),
      spec(MLP, '"fit": { "callbacks": [{ "type": "ModelCheckpoint", | }] }'),
      spec(`{ "type": "Dense", "use_bias": | }`),
      spec(`{ "type": "Dense", "kernel_regularizer": | }`),
      spec(`{ "type": "Conv2D", "padding": | }`),
      spec(MLP, '', '"compile": { "optimizer": | }'),
      spec(MLP, '', '"compile": { "metrics": [|] }'),
    ];
    for (const src of places) {
      const { text, offset } = cursor(src);
      const editor = new Map((await jsonCompletions(text, offset)).map((i) => [i.label, i]));
      for (const s of await jsonCompletions(text, offset, strictJson)) {
        const e = editor.get(s.label);
        assert.ok(e, `the editor schema offers ${s.label} at ${src.slice(offset - 30, offset + 5)}`);
        if (/^"[^"]+": /.test(s.insertText ?? '')) assert.match(e.insertText ?? '', /^"[^"]+": /, `${s.label} gets a value`);
      }
    }
  });

  /** One problem each, of every kind the structural checks report. */
  const PROBLEMS: [Code, string][] = [
    [Code.UnknownName, spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": 10, "activation": "rleu" }`)],
    [Code.UnknownKey, spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "unit": 10, "units": 10 }`)],
    [Code.WrongType, spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "units": "10" }`)],
    [Code.OutOfRange, spec(`${MLP}, { "type": "Dropout", "rate": 1 }`)],
    [Code.OutOfRange, spec(`{ "type": "Flatten", "input_shape": [28, 0] }, { "type": "Dense", "units": 10 }`)],
    [Code.OutOfRange, spec(MLP, '"fit": { "epochs": 0 }')],
    [Code.OutOfRange, spec(`{ "type": "Input", "shape": [28, 28, 1] }, { "type": "Conv2D", "filters": 8, "kernel_size": [3], "padding": "same" }`)],
    [Code.OutOfRange, spec(`{ "type": "Input", "shape": [28, 28, 1] }, { "type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "smae" }`)],
    [Code.MissingKey, spec(MLP, '', '"fit": {}')],
    [Code.MissingKey, spec(MLP, '"variants": [{ "compile": { "optimizer": "Adam" } }]')],
    [Code.UnknownLayerType, spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dens", "units": 10 }`)],
    [Code.UnknownLayerType, spec(MLP, '"layer_defaults": { "Dens": { "activation": "relu" } }')],
    [Code.UnknownKey, spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "momentun": 0.9 } }')],
    [Code.UnknownName, spec(MLP, '', '"compile": { "loss": "sparse_categorical_crossentropy", "metrics": ["acuracy"] }')],
    [Code.UnknownName, spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStoping" }] }')],
    [Code.WrongType, spec(MLP, '"fit": { "callbacks": [{ "type": "EarlyStopping", "patience": "5" }] }')],
    [Code.WrongType, spec(MLP, '"seed": true')],
    [Code.UnknownKey, spec(MLP, '"variants": [{ "name": "v", "variants": [] }]')],
  ];

  it('reports none of the problems our diagnostics report (which the strict schema would report again)', async () => {
    for (const [code, text] of PROBLEMS) {
      assert.ok(analyze(text).diagnostics.some((d) => d.code === code), `analyze reports ${code} in ${text}`);
      assert.ok((await jsonDiagnostics(text, strictJson)).length > 0, `the strict schema reports ${code} too`);
      assert.deepStrictEqual((await jsonDiagnostics(text)).map((d) => d.message), [], `editor schema on ${code}: ${text}`);
    }
  });

  it('shows the one-line doc of a name and of a key on hover, so our hover does not repeat it', async () => {
    const src = spec(`{ "type": "Flatten", "input_shape": [28, 28] }, { "type": "Dense", "un|its": 300, "kernel_initializer": "he_normal" }, { "type": "Dense", "units": 10, "activation": "softmax" }`);
    const key = cursor(src);
    assert.match(await jsonHover(key.text, key.offset), /Number of output units/);
    assert.doesNotMatch(hover(key.text, key.offset)?.contents ?? '', /Number of output units/);
    assert.match(hover(key.text, key.offset)?.contents ?? '', /235,500/);

    const name = cursor(src.replace('"he_normal"', '"he_n|ormal"').replace('un|its', 'units'));
    const doc = lookup('initializer', 'he_normal')?.doc ?? '';
    assert.match(await jsonHover(name.text, name.offset), /He normal: truncated normal/);
    const ours = hover(name.text, name.offset)?.contents ?? '';
    assert.ok(!ours.includes(doc), ours);
    assert.match(ours, /fan_in 784/);
  });
});
