/**
 * Snippets completion offers where the schema offers only `{ "type": ... }`: layers, callbacks
 * and variants with the arguments one usually writes, filled in from the rest of the spec.
 * Texts use VS Code snippet syntax (`${1:units}`); lines after the first are indented with tabs,
 * which VS Code turns into the editor's indentation.
 */
import type { BuiltinDatasetInfo } from '../core/data/dataSpec';

/** One snippet: its label (never a schema item's), a one-line detail, and the snippet text. */
export interface Snippet {
  label: string;
  detail: string;
  body: string;
}

export interface LayerSnippetContext {
  /** Where the layer goes in `layers` (0: the first layer, which needs the input shape). */
  index: number;
  dataset?: BuiltinDatasetInfo;
  /** The output activation the loss expects (`softmax` when unknown). */
  outputActivation: string;
}

/** Layers: an input layer first, a hidden Dense layer, an output layer, a Conv2D block, a Dropout. */
export function layerSnippets(ctx: LayerSnippetContext): Snippet[] {
  const out: Snippet[] = [];
  if (ctx.index === 0) {
    const dims = (ctx.dataset?.exampleShape ?? [28, 28]).map((d, i) => `\${${i + 1}:${d}}`).join(', ');
    out.push({
      label: 'Flatten input layer',
      detail: ctx.dataset ? `Flatten ${ctx.dataset.name} examples into one vector` : 'Flatten each example into one vector',
      body: `{ "type": "Flatten", "input_shape": [${dims}] }`,
    });
  }
  out.push(
    {
      label: 'Dense layer',
      detail: 'Dense layer with units and activation',
      body: '{ "type": "Dense", "units": ${1:128}, "activation": "${2|relu,elu,selu,tanh,sigmoid,gelu,swish|}" }',
    },
    {
      label: 'Dense output layer',
      detail: ctx.dataset ? `${ctx.dataset.numClasses} ${ctx.outputActivation} units, one per ${ctx.dataset.name} class` : `Output layer with ${ctx.outputActivation}`,
      body: `{ "type": "Dense", "units": \${1:${ctx.dataset?.numClasses ?? 10}}, "activation": "\${2:${ctx.outputActivation}}" }`,
    },
    {
      label: 'Conv2D block',
      detail: 'Conv2D (3x3, same padding) then 2x2 MaxPooling2D',
      body: '{ "type": "Conv2D", "filters": ${1:32}, "kernel_size": ${2:3}, "padding": "same", "activation": "${3:relu}" },\n{ "type": "MaxPooling2D", "pool_size": ${4:2} }',
    },
    {
      label: 'Dropout layer',
      detail: 'Drop a fraction of the inputs while training',
      body: '{ "type": "Dropout", "rate": ${1:0.2} }',
    },
  );
  return out;
}

/** Callbacks with the arguments the notebook and Keras guides use. `monitor`: what they watch. */
export function callbackSnippets(monitor: string): Snippet[] {
  return [
    {
      label: 'EarlyStopping callback',
      detail: 'Stop when the monitored value stops improving; keep the best weights',
      body: `{ "type": "EarlyStopping", "monitor": "\${1:${monitor}}", "patience": \${2:5}, "restore_best_weights": \${3:true} }`,
    },
    {
      label: 'ModelCheckpoint callback',
      detail: 'Save the best model in the run folder',
      body: `{ "type": "ModelCheckpoint", "filepath": "\${1:checkpoints/best}", "monitor": "\${2:${monitor}}", "save_best_only": \${3:true} }`,
    },
    {
      label: 'ReduceLROnPlateau callback',
      detail: 'Halve the learning rate when progress stalls',
      body: `{ "type": "ReduceLROnPlateau", "monitor": "\${1:${monitor}}", "factor": \${2:0.5}, "patience": \${3:3} }`,
    },
    {
      label: 'CSVLogger callback',
      detail: 'Write each epoch\'s results to a CSV file in the run folder',
      body: '{ "type": "CSVLogger", "filename": "${1:log.csv}" }',
    },
    {
      label: 'TerminateOnNaN callback',
      detail: 'Stop as soon as the loss becomes NaN',
      body: '{ "type": "TerminateOnNaN" }',
    },
  ];
}

export interface VariantSnippetContext {
  /** The layer type whose defaults variants change (the spec's weighted layers, e.g. Dense). */
  layerType: string;
  /** The base spec's optimizer name. */
  optimizer: string;
}

/** Variants that change one thing: the initializer, activation and initializer, the optimizer, the learning rate. */
export function variantSnippets(ctx: VariantSnippetContext): Snippet[] {
  const t = ctx.layerType;
  return [
    {
      label: 'Variant: initializer',
      detail: `Another kernel_initializer for every ${t} layer`,
      body: `{ "name": "\${1:he_normal}", "layer_defaults": { "${t}": { "kernel_initializer": "$1" } } }`,
    },
    {
      label: 'Variant: activation + initializer',
      detail: `Another activation and initializer for every ${t} layer`,
      body: `{ "name": "\${1:selu} + \${2:lecun_normal}", "layer_defaults": { "${t}": { "activation": "$1", "kernel_initializer": "$2" } } }`,
    },
    {
      label: 'Variant: optimizer',
      detail: 'Another optimizer',
      body: '{ "name": "${1:Adam}", "compile": { "optimizer": "$1" } }',
    },
    {
      label: 'Variant: learning rate',
      detail: `${ctx.optimizer} with another learning rate`,
      body: `{ "name": "lr \${1:0.02}", "compile": { "optimizer": { "type": "${ctx.optimizer}", "learning_rate": $1 } } }`,
    },
  ];
}
