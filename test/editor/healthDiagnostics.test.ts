import * as assert from 'assert';
import type { HealthDiagnosis } from '../../src/core/health/types';
import { healthProblems } from '../../src/editor/healthDiagnostics';
import { slice } from './cursor';

const TEXT = `{
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 64, "activation": "sigmoid" },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "sgd" },
  "variants": [
    { "name": "shared" },
    { "name": "own", "layers": [
      { "type": "Flatten", "input_shape": [28, 28] },
      { "type": "Dense", "units": 32, "activation": "relu" },
      { "type": "Dense", "units": 10, "activation": "softmax" }
    ] }
  ]
}`;

const diagnosis = (code: HealthDiagnosis['code'], layer: string | null, severity: HealthDiagnosis['severity'] = 'warning'): HealthDiagnosis => ({
  code, severity, layer, epoch: 1, message: `${code} here`, fix: { title: 'Fix it', edits: [{ path: ['compile', 'optimizer'], value: 'adam' }] },
});

describe('editor: health problems after a run', () => {
  it('a base run: at the layer object it names, at compile for the whole model; hints are left out', () => {
    const problems = healthProblems(TEXT, [{ diagnoses: [diagnosis('saturation', 'dense'), diagnosis('learning-rate-high', null), diagnosis('dead-units', 'dense', 'info')] }]);
    assert.deepStrictEqual(problems.map((p) => [slice(TEXT, p), p.code, p.message]), [
      ['{ "type": "Dense", "units": 64, "activation": "sigmoid" }', 'saturation', 'saturation here'],
      ['"compile"', 'learning-rate-high', 'learning-rate-high here'],
    ]);
    assert.strictEqual(problems[0].fix?.title, 'Fix it');
  });

  it('a variant with its own layers: at its layer; one sharing the base layers: at the variant, naming the layer', () => {
    const problems = healthProblems(TEXT, [
      { variant: 'shared', diagnoses: [diagnosis('saturation', 'dense'), diagnosis('initial-loss', null)] },
      { variant: 'own', diagnoses: [diagnosis('dead-units', 'dense')] },
      { variant: 'gone', diagnoses: [diagnosis('dead-units', 'dense')] },
    ]);
    assert.deepStrictEqual(problems.map((p) => [slice(TEXT, p), p.message]), [
      ['"name": "shared"', 'Variant "shared", layer dense: saturation here'],
      ['"name": "shared"', 'Variant "shared": initial-loss here'],
      ['{ "type": "Dense", "units": 32, "activation": "relu" }', 'Variant "own": dead-units here'],
    ]);
  });

  it('a layer the spec no longer has goes to the model-wide place; text that is not a spec gives none', () => {
    assert.deepStrictEqual(healthProblems(TEXT, [{ diagnoses: [diagnosis('saturation', 'renamed')] }]).map((p) => slice(TEXT, p)), ['"compile"']);
    assert.deepStrictEqual(healthProblems('not json', [{ diagnoses: [diagnosis('saturation', 'dense')] }]), []);
    assert.deepStrictEqual(healthProblems('', [{ diagnoses: [diagnosis('saturation', 'dense')] }]), []);
  });
});
