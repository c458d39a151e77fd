/**
 * The fields of a model spec (v1), described with the registry's types. Validation, the
 * JSON Schema and completion all read this one description.
 */
import type { Field, ValueType } from './registry';
import { BUILTIN_DATASETS, BUILTIN_DATASET_NAMES } from './registry/datasets';

const path = (doc: string, required = true): Field => ({ name: '', type: { kind: 'path' }, required, doc });

/** A local data source: IDX/NPY files for inputs and labels, or one CSV with a label column. */
export const SOURCE_TYPES: readonly ValueType[] = [
  {
    kind: 'object', doc: 'IDX or NPY files (raw or .gz) for the inputs and the labels.',
    fields: [
      { ...path('Inputs file (IDX or NPY, raw or .gz), relative to the spec.'), name: 'x' },
      { ...path('Labels file (IDX or NPY, raw or .gz), relative to the spec.'), name: 'y' },
    ],
  },
  {
    kind: 'object', doc: 'A CSV file with a header row and a label column; the other columns are the features.',
    fields: [
      { ...path('CSV file, relative to the spec.'), name: 'csv' },
      { name: 'label_column', type: { kind: 'string', minLength: 1 }, default: 'label', doc: 'Name of the label column.' },
    ],
  },
];

export const DATA_FIELDS: readonly Field[] = [
  {
    name: 'dataset', type: { kind: 'enum', values: BUILTIN_DATASET_NAMES, docs: BUILTIN_DATASET_NAMES.map((n) => BUILTIN_DATASETS[n].summary) },
    doc: `A built-in dataset: ${BUILTIN_DATASET_NAMES.map((n) => `\`${n}\``).join(' or ')} (like \`tf.keras.datasets.mnist.load_data()\`).`,
  },
  { ...path('A Keras-layout .npz file holding x_train, y_train, x_test and y_test.', false), name: 'npz' },
  { name: 'train', type: { kind: 'oneOf', options: SOURCE_TYPES }, doc: 'Training data from local files.' },
  { name: 'test', type: { kind: 'oneOf', options: SOURCE_TYPES }, doc: 'Test data from local files, evaluated after fitting.' },
  {
    name: 'validation',
    type: {
      kind: 'oneOf',
      options: [
        { kind: 'object', doc: 'The first N training examples (the notebook\'s `X_train_full[:5000]`).', fields: [{ name: 'first', type: { kind: 'int', min: 1 }, required: true, doc: 'How many of the first training examples to hold out.' }] },
        { kind: 'object', doc: 'The last fraction of the training examples, like Keras `validation_split`.', fields: [{ name: 'split', type: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, required: true, doc: 'Fraction in (0, 1) held out from the end of the training data.' }] },
        ...SOURCE_TYPES,
      ],
    },
    doc: 'Validation data: `{ "first": 5000 }`, `{ "split": 0.1 }`, or files of its own.',
  },
  { name: 'scale', type: { kind: 'number', min: 0, exclusiveMin: true }, doc: 'Divide every split\'s inputs by this (255 maps pixels to [0, 1]).' },
  { name: 'limit', type: { kind: 'int', min: 1 }, doc: 'Train on only the first N training examples, for quick runs.' },
];

export const COMPILE_FIELDS: readonly Field[] = [
  { name: 'loss', type: { kind: 'ref', ref: 'loss' }, required: true, doc: 'The loss to minimize, e.g. `sparse_categorical_crossentropy`.' },
  { name: 'optimizer', type: { kind: 'ref', ref: 'optimizer' }, default: 'RMSprop', doc: 'Optimizer name or `{ "type": "SGD", "learning_rate": 0.02 }` (Keras default rmsprop).' },
  { name: 'metrics', type: { kind: 'array', items: { kind: 'ref', ref: 'metric' } }, default: [], doc: 'Metrics to report, e.g. `["accuracy"]`.' },
];

export const FIT_FIELDS: readonly Field[] = [
  { name: 'epochs', type: { kind: 'int', min: 1, max: 100000 }, default: 1, doc: 'Number of passes over the training data.' },
  { name: 'batch_size', type: { kind: 'int', min: 1, max: 1000000 }, default: 32, doc: 'Examples per gradient step.' },
  { name: 'shuffle', type: { kind: 'bool' }, default: true, doc: 'Shuffle the training data before each epoch.' },
  { name: 'verbose', type: { kind: 'int', min: 0, max: 2 }, default: 1, doc: '0 silent, 1 progress bar, 2 one line per epoch.' },
  { name: 'callbacks', type: { kind: 'callbacks' }, default: [], doc: 'Callbacks: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger, TerminateOnNaN.' },
  {
    name: 'health',
    type: {
      kind: 'oneOf',
      options: [
        { kind: 'bool' },
        { kind: 'object', doc: 'How often to sample.', fields: [{ name: 'every', type: { kind: 'int', min: 1 }, required: true, doc: 'Sample every N training steps (default: about 32 samples per epoch).' }] },
      ],
    },
    default: true,
    doc: 'Training health (Model Spec, not Keras): per-layer gradient and weight norms, update ratios, activation statistics, saturation and dead units, sampled during training and diagnosed (vanishing or exploding gradients, saturated sigmoids, dying ReLUs). `false` turns it off; `{ "every": 50 }` samples every 50 steps.',
  },
];

/** Top-level fields of a spec. */
export const SPEC_FIELDS: readonly Field[] = [
  { name: '$schema', type: { kind: 'string' }, doc: 'The JSON Schema of model specs (optional; `*.model.json` files get it automatically in VS Code).' },
  { name: 'name', type: { kind: 'string', minLength: 1 }, doc: 'Name of the model (default: the file name). Runs are filed under it.' },
  { name: 'description', type: { kind: 'string' }, doc: 'Free text.' },
  { name: 'seed', type: { kind: 'int', min: 0, max: 4294967295 }, doc: 'Random seed: the same spec, seed and backend give the same training history.' },
  { name: 'data', type: { kind: 'object', fields: DATA_FIELDS }, doc: 'Where the training, validation and test data come from, and how inputs are scaled.' },
  { name: 'initial_weights', type: { kind: 'path' }, doc: 'A Keras `.keras` or `.h5` file (relative to the spec) whose weights the model starts from instead of its initializers, e.g. the file `modelspec import` read. Its layers must match the spec\'s.' },
  { name: 'layer_defaults', type: { kind: 'layerDefaults' }, doc: 'Arguments per layer type, e.g. `{ "Dense": { "activation": "relu" } }`; a layer\'s own arguments win.' },
  { name: 'layers', type: { kind: 'layers' }, required: true, doc: 'The layers of the Sequential model, in order.' },
  { name: 'compile', type: { kind: 'object', fields: COMPILE_FIELDS }, required: true, doc: 'Loss, optimizer and metrics, as in `model.compile(...)`.' },
  { name: 'fit', type: { kind: 'object', fields: FIT_FIELDS }, doc: 'Epochs, batch size and callbacks, as in `model.fit(...)`.' },
  { name: 'variants', type: { kind: 'variants' }, doc: 'Variants to train and compare: each is a JSON Merge Patch over this spec with a `name`.' },
];

/** The field a variant uses for its name (it does not rename the spec). */
export const VARIANT_NAME_FIELD: Field = { name: 'name', type: { kind: 'string', minLength: 1 }, required: true, doc: 'Name of the variant (unique in the spec).' };

/** Fields a variant may patch: all spec fields but `variants` and `$schema`; its `name` names the variant. */
export const VARIANT_FIELDS: readonly Field[] = [
  VARIANT_NAME_FIELD,
  ...SPEC_FIELDS.filter((f) => !['variants', '$schema', 'name'].includes(f.name)).map((f) => ({ ...f, required: false })),
];
