/**
 * Hovers: what a layer computes (shapes, parameters with the arithmetic, its Keras call), the
 * model's totals, a variant's totals and changes, and for a name its Keras equivalence and what
 * it does in this model. VS Code's JSON support already shows the schema's description of every
 * key and the one-line doc of every name on hover, so these never repeat them.
 */
import { findNodeAtOffset, getNodePath, getNodeValue, type Node } from 'jsonc-parser';
import type { Analysis, VariantInfo } from '../core/analyze';
import { properties } from '../core/jsonTree';
import type { JsonPath } from '../core/diagnostics';
import type { LayerInfo, ModelInfo } from '../core/model';
import { formatCount, formatShape, lookup, lookupLoss, type Json, type NameKind } from '../core/registry';
import { analysisOf } from './analysisCache';
import { namesAt } from './expectedAt';
import { initializerLine } from './initializerFigures';
import { kerasCall } from './kerasCall';
import { layerAt, layersUsing, modelAt, type ModelAt } from './modelAt';
import type { Hover } from './types';
import { codeBlock, codeSpan } from './markdown';

/** Lines listing layers stop after this many (a 200-layer spec shares one default). */
const MAX_LISTED = 8;

/** Hover at `offset`: layer shapes and params with the arithmetic, totals, identifier docs. */
export function hover(text: string, offset: number): Hover | undefined {
  const a = analysisOf(text);
  if (!a.root) return undefined;
  const node = findNodeAtOffset(a.root, offset);
  if (!node) return undefined;
  const path = getNodePath(node) as JsonPath;
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  const m = modelAt(a, offset);
  const range = { offset: node.offset, length: node.length };
  const at = (contents: string | undefined): Hover | undefined => (contents ? { contents, ...range } : undefined);

  if (!m.variant && path.length === 1 && (path[0] === 'name' || (isKey && (path[0] === 'layers' || path[0] === 'variants')))) {
    return at(totalsHover(a));
  }
  if (m.variant && (node === m.variant.node || (path.length === 3 && path[2] === 'name'))) {
    return at(variantHover(a, m.variant));
  }
  if (node.type === 'string' && !isKey) {
    const kind = namesAt(a.root, path);
    if (kind && kind !== 'layer') {
      const contents = identifierHover(kind, String(node.value), node, path, m);
      if (contents) return at(contents);
    }
  }
  const layer = layerAt(m.model, offset);
  return layer ? at(layerHover(layer, m)) : undefined;
}

/** `name` in code, safe for any characters. */
const code = codeSpan;

function pythonBlock(s: string): string {
  return codeBlock(s, 'python');
}

/** A layer: shapes, parameters with the arithmetic, and the Keras call it stands for. */
function layerHover(l: LayerInfo, m: ModelAt): string {
  const lines = [`**${code(l.name)}** (${l.type})${m.variant ? ` in variant ${code(m.variant.name)}` : ''}`];
  if (l.inputShape && l.outputShape) lines.push(`Input ${code(formatShape(l.inputShape))} → output ${code(formatShape(l.outputShape))}`);
  else lines.push('Output shape unknown: this layer or one before it has a problem (see Problems).');
  if (l.params) {
    const total = l.params.trainable + l.params.nonTrainable;
    const extra = [l.params.nonTrainable ? `${formatCount(l.params.nonTrainable)} non-trainable` : '', l.args.trainable === false ? 'frozen: `"trainable": false`' : '']
      .filter(Boolean).join(', ');
    lines.push(`Params: ${code(l.params.formula ?? formatCount(total))}${extra ? ` (${extra})` : ''}`);
  }
  lines.push(pythonBlock(kerasCall(l.type, layerArgs(l))));
  return lines.join('\n\n');
}

/** The arguments a layer is written with (its own and from layer_defaults), in Keras's order. */
function layerArgs(l: LayerInfo): Record<string, Json> {
  const args: Record<string, Json> = {};
  for (const f of l.entry?.args ?? []) if (l.argNodes[f.name]) args[f.name] = l.args[f.name];
  const own = properties(l.node);
  const shape = own.get('input_shape')?.value;
  if (shape) args.input_shape = getNodeValue(shape) as Json;
  if (l.nameNode) args.name = l.name;
  if (l.argNodes.trainable) args.trainable = l.args.trainable;
  return args;
}

function countsLines(model: ModelInfo): string[] {
  return [
    `Total params: ${formatCount(model.totalParams)}  `,
    `Trainable params: ${formatCount(model.trainableParams)}  `,
    `Non-trainable params: ${formatCount(model.nonTrainableParams)}`,
  ];
}

/** The model's totals, and each variant's when they differ. */
function totalsHover(a: Analysis): string {
  const nameNode = properties(a.root).get('name')?.value;
  const name = nameNode?.type === 'string' ? String(nameNode.value) : 'Model';
  const n = a.model.layers.length;
  const out = [`**${code(name)}** · Sequential, ${n} layer${n === 1 ? '' : 's'}`, countsLines(a.model).join('\n')];
  if (!a.model.complete) out.push('_Counts cover the layers whose shapes are known; fix the problems to count them all._');
  if (a.variants.length) {
    const same = a.variants.every((v) => v.model.totalParams === a.model.totalParams && v.model.complete === a.model.complete);
    out.push(same
      ? `${a.variants.length === 1 ? 'The variant has' : `All ${a.variants.length} variants have`} ${formatCount(a.model.totalParams)} params.`
      : ['Variants:', ...a.variants.map((v) => `- ${code(v.name)}: ${formatCount(v.model.totalParams)} params`)].join('\n'));
  }
  return out.join('\n\n');
}

/** A variant: its totals against the spec's, and what its patch changes. */
function variantHover(a: Analysis, v: VariantInfo): string {
  const d = v.model.totalParams - a.model.totalParams;
  const vs = d === 0 ? 'same as the spec' : `${d > 0 ? '+' : '−'}${formatCount(Math.abs(d))} vs the spec`;
  const out = [`**Variant ${code(v.name)}** · ${formatCount(v.model.totalParams)} params (${vs})`, countsLines(v.model).join('\n')];
  const changes = patchLeaves(v.node, a.text).filter((c) => c.path !== 'name');
  if (changes.length) {
    out.push(['Changes:', ...changes.slice(0, MAX_LISTED).map((c) => `- ${code(c.path)}: ${code(c.value)}`), ...(changes.length > MAX_LISTED ? [`- and ${changes.length - MAX_LISTED} more`] : [])].join('\n'));
  } else {
    out.push('Changes nothing: trains the spec as written.');
  }
  return out.join('\n\n');
}

/** The values a merge patch sets, by dotted path (objects merge, so only their leaves change). */
function patchLeaves(node: Node, text: string, prefix = ''): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (!key || !value) continue;
    const path = prefix ? `${prefix}.${String(key.value)}` : String(key.value);
    if (value.type === 'object' && value.children?.length) out.push(...patchLeaves(value, text, path));
    else {
      const raw = text.slice(value.offset, value.offset + value.length).replace(/\s+/g, ' ');
      out.push({ path, value: raw.length > 60 ? raw.slice(0, 57) + '...' : raw });
    }
  }
  return out;
}

/** Arguments with Keras's defaults, overridden by those written in an object form `{ "type": ..., ... }`. */
function effectiveArgs(kind: Exclude<NameKind, 'layer'>, name: string, written: Node | undefined): Record<string, Json> {
  const entry = lookup(kind, name);
  const args: Record<string, Json> = {};
  for (const f of entry?.args ?? []) if (f.default !== undefined) args[f.name] = f.default;
  for (const [k, p] of properties(written)) if (k !== 'type' && p.value) args[k] = getNodeValue(p.value) as Json;
  return args;
}

/** What a name means in Keras and in this model; undefined when there is nothing beyond its doc. */
function identifierHover(kind: Exclude<NameKind, 'layer'>, name: string, node: Node, path: JsonPath, m: ModelAt): string | undefined {
  const entry = lookup(kind, name);
  if (!entry) return undefined; // the diagnostics say what is wrong with it
  // A name is written as a string, or as the `type` of an object holding its arguments.
  const inObject = path[path.length - 1] === 'type' && kind !== 'callback';
  const valueNode = inObject ? node.parent?.parent : node;
  const written = inObject || kind === 'callback' ? node.parent?.parent : undefined;
  const arg = String(inObject ? path[path.length - 2] : path[path.length - 1]);
  const out: string[] = [];
  switch (kind) {
    case 'initializer': {
      if (entry.detail) out.push(`Keras: ${entry.detail}`);
      const users = valueNode ? layersUsing(m.model, arg, valueNode) : [];
      const args = effectiveArgs(kind, entry.name, written);
      const lines = users.map((l) => ({ l, line: initializerLine(entry.name, args, l) })).filter((x) => x.line);
      if (lines.length) {
        out.push([`${m.variant ? `In variant ${code(m.variant.name)}, for` : 'For'} ${lines.length === 1 ? 'this layer' : `these ${lines.length} layers`}:`,
          ...lines.slice(0, MAX_LISTED).map(({ l, line }) => `- ${code(l.name)}: ${line}`),
          ...(lines.length > MAX_LISTED ? [`- and ${lines.length - MAX_LISTED} more`] : [])].join('\n'));
      }
      break;
    }
    case 'activation':
      if (entry.detail) out.push(`Keras: ${entry.detail}`);
      break;
    case 'loss': {
      out.push(pythonBlock(kerasCall(lossClass(entry.name), effectiveArgs(kind, entry.name, written))));
      const family = lookupLoss(entry.name)?.family;
      const classes = m.model.dataset ? ` (0-${m.model.dataset.numClasses - 1} for ${m.model.dataset.name})` : '';
      if (family === 'sparse') out.push(`Labels: class ids${classes}. Output: one probability per class (softmax).`);
      if (family === 'categorical') out.push('Labels: one-hot rows. Output: one probability per class (softmax).');
      if (family === 'binary') out.push('Labels: 0/1 per output unit. Output: sigmoid probabilities.');
      if (entry.detail) out.push(`Keras: ${entry.detail}`);
      break;
    }
    case 'metric':
      // Logged under the name as written, as Keras does.
      out.push(`Logged as ${code(name)} on the training data and ${code(`val_${name}`)} on the validation data; callbacks can \`monitor\` either.`);
      if (entry.detail) out.push(`Keras: ${entry.detail}`);
      break;
    default:
      // Optimizers, schedules, regularizers and callbacks: the Keras call with every argument.
      out.push(pythonBlock(kerasCall(entry.name, effectiveArgs(kind, entry.name, written))));
      if (entry.detail) out.push(`Keras: ${entry.detail}`);
  }
  return out.length ? out.join('\n\n') : undefined;
}

/** Keras's class for a loss function name: `sparse_categorical_crossentropy` -> `SparseCategoricalCrossentropy`. */
function lossClass(name: string): string {
  return lookup('loss', name)?.aliases.find((a) => /^[A-Z]/.test(a)) ?? name;
}
