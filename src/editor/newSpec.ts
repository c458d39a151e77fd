import { applyEdits, modify, parseTree, type Edit, type Node } from 'jsonc-parser';

/**
 * The text of a new spec: the reference notebook's MNIST MLP (Flatten, Dense 300-200-100,
 * softmax 10: 316,810 params), with comments that say what each part does.
 */
const NEW_SPEC = `// An MNIST classifier: the multilayer perceptron of the notebook "Comparing different types
// of weight initialization". Hover a layer for its output shape and parameter count.
{
  "name": "mnist-mlp",
  "seed": 42,
  // 28x28 grey images scaled to [0, 1]; the first 5,000 training images are held out for validation.
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 5000 } },
  // Arguments every Dense layer gets unless it sets its own.
  "layer_defaults": {
    "Dense": { "activation": "relu", "kernel_initializer": "he_normal" }
  },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28], "name": "input_layer" },
    { "type": "Dense", "units": 300 },
    { "type": "Dense", "units": 200 },
    { "type": "Dense", "units": 100 },
    // One probability per digit.
    { "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": "glorot_uniform" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "SGD", "metrics": ["accuracy"] },
  "fit": {
    "epochs": 10,
    "batch_size": 32,
    "callbacks": [
      // Stop once val_loss has not improved for 5 epochs, keeping the best weights.
      { "type": "EarlyStopping", "patience": 5, "restore_best_weights": true }
    ]
  },
  // Each variant patches the spec above; they train one after the other and are compared.
  "variants": [
    { "name": "he_normal" },
    { "name": "glorot_normal", "layer_defaults": { "Dense": { "kernel_initializer": "glorot_normal" } } }
  ]
}
`;

/** The text of a new spec: the notebook's MNIST MLP. */
export function newSpecText(): string {
  return NEW_SPEC;
}

/**
 * An example spec's text as it is written into a workspace: without the `$schema` member (a
 * path into this repository's schemas/, which the workspace lacks; the extension validates
 * without it) and with the data paths in `dataPaths` replaced (a copy under another name, or
 * the extension's own copy when there is no workspace folder to copy into).
 */
export function exampleForWorkspace(text: string, dataPaths: Readonly<Record<string, string>> = {}): string {
  const edits: Edit[] = modify(text, ['$schema'], undefined, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
  const visit = (node: Node | undefined): void => {
    if (!node) return;
    if (node.type === 'string' && Object.hasOwn(dataPaths, node.value as string)) {
      edits.push({ offset: node.offset, length: node.length, content: JSON.stringify(dataPaths[node.value as string]) });
    }
    node.children?.forEach(visit);
  };
  visit(parseTree(text));
  return applyEdits(text, edits);
}

/**
 * The first of `file`, `name-2.ext`, `name-3.ext`... (`iris.model.json`, `iris-2.model.json`)
 * that `taken` says is free, so that nothing existing is overwritten.
 */
export async function freeName(file: string, taken: (candidate: string) => Promise<boolean>): Promise<string> {
  const slash = file.lastIndexOf('/') + 1;
  const dot = file.indexOf('.', slash);
  const [stem, ext] = dot < 0 ? [file, ''] : [file.slice(0, dot), file.slice(dot)];
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? file : `${stem}-${n}${ext}`;
    if (!(await taken(candidate))) return candidate;
  }
}
