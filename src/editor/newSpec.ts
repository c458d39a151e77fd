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
