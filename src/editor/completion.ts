/**
 * Completion that knows where it is. VS Code's JSON support already completes every key, layer
 * type, name and default from the editor schema; these items add only what a schema cannot:
 * snippets with arguments filled in from the spec, `monitor` values from the compiled metrics,
 * checkpoint path templates, and the value that fits the rest of the spec, preselected. Labels
 * never equal a schema item's at the same place (a test runs the JSON language service to check).
 */
import { createScanner, getLocation, getNodeValue, SyntaxKind, type Node } from 'jsonc-parser';
import { properties } from '../core/jsonTree';
import type { JsonPath } from '../core/diagnostics';
import { refName, type LayerInfo, type ModelInfo } from '../core/model';
import { lookupLoss, type Json } from '../core/registry';
import { analysisOf } from './analysisCache';
import { childAt, namesAt, specPath } from './expectedAt';
import { layerAt, modelAt, type ModelAt } from './modelAt';
import { newSpecText } from './newSpec';
import { activationFor, initializerFor, lossFor, outputLayer, type Recommendation } from './recommend';
import { callbackSnippets, layerSnippets, variantSnippets, type Snippet } from './snippets';
import type { CompletionItem, CompletionKind } from './types';

/** Sorts before the JSON language service's items, whose labels start with `"` or a letter. */
const FIRST = '!';

/** Completion items at `offset`: only what the JSON schema cannot offer. */
export function completions(text: string, offset: number): CompletionItem[] {
  if (offset < 0 || offset > text.length) return [];
  if (inComment(text, offset)) return [];
  const a = analysisOf(text);
  if (!a.root) return isBlank(text) ? [newSpecItem(text, offset)] : [];
  const loc = getLocation(text, offset);
  if (loc.isAtPropertyKey) return [];
  const path = loc.path as JsonPath;
  const at = modelAt(a, offset);
  const ctx: Context = { text, offset, root: a.root, at };
  const last = path[path.length - 1];
  if (typeof last === 'number' && betweenItems(a.root, path, offset)) {
    const items = itemSnippets(ctx, path);
    if (items) return items;
  }
  const previous = loc.previousNode;
  const range = previous && previous.type !== 'property' && previous.offset <= offset && offset <= previous.offset + previous.length
    ? { offset: previous.offset, length: previous.length }
    : wordBefore(text, offset);
  return valueItems({ ...ctx, range, after: separatorAfter(text, range.offset + range.length) }, path);
}

interface Context {
  text: string;
  offset: number;
  root: Node;
  at: ModelAt;
}

/** Where a value goes: the token (or word) it replaces, and `,` when another value follows without one. */
interface ValueContext extends Context {
  range: { offset: number; length: number };
  after: string;
}

/** Snippets for a new item of `layers`, `fit.callbacks` or `variants`. */
function itemSnippets(ctx: Context, path: JsonPath): CompletionItem[] | undefined {
  const list = path.slice(0, -1);
  const index = path[path.length - 1] as number;
  const where = specPath(list).join('/');
  const range = wordBefore(ctx.text, ctx.offset);
  const root = ctx.at.root ?? ctx.root;
  const make = (snippets: Snippet[], kind: CompletionKind): CompletionItem[] => snippets.map((s, i) => ({
    label: s.label, kind, detail: s.detail, insertText: s.body + separatorAfter(ctx.text, ctx.offset), snippet: true, range, sortText: `${FIRST}${i}`,
  }));
  if (where === 'layers') {
    const loss = lookupLoss(refName('loss', valueAt(root, ['compile', 'loss'])) ?? '');
    const outputActivation = loss?.family === 'binary' ? 'sigmoid' : 'softmax';
    return make(layerSnippets({ index, dataset: ctx.at.model.dataset, outputActivation }), 'snippet');
  }
  if (where === 'fit/callbacks') {
    const data = childAt(root, 'data');
    const hasValidation = data?.type !== 'object' || properties(data).has('validation');
    return make(callbackSnippets(hasValidation ? 'val_loss' : 'loss'), 'callback');
  }
  if (list.length === 1 && list[0] === 'variants') {
    const weighted = ctx.at.model.layers.find((l) => l.entry?.kernelInitializerArg);
    const optimizer = optimizerName(valueAt(ctx.root, ['compile', 'optimizer']));
    return make(variantSnippets({ layerType: weighted?.type ?? 'Dense', optimizer }), 'snippet');
  }
  return undefined;
}

const optimizerName = (v: Json | undefined): string =>
  typeof v === 'string' ? v : v && typeof v === 'object' && !Array.isArray(v) && typeof v.type === 'string' ? v.type : 'SGD';

/** Values that depend on the rest of the spec, at the value of the property (or list item) at `path`. */
function valueItems(ctx: ValueContext, path: JsonPath): CompletionItem[] {
  const inSpec = specPath(path);
  const key = inSpec[inSpec.length - 1];
  const kind = namesAt(ctx.root, path);
  const root = ctx.at.root ?? ctx.root;
  const model = ctx.at.model;
  // The object holding the property: a layer, a layer_defaults entry, a callback, compile, ...
  const holderPath = key === 'type' && kind !== 'layer' && kind !== 'callback' ? path.slice(0, -2) : path.slice(0, -1);
  const fieldKey = key === 'type' && kind !== 'layer' && kind !== 'callback' ? path[path.length - 2] : key;
  const holder = nodeAt(ctx.root, holderPath);
  const layer = inSpec[0] === 'layers' && holder ? layerAt(model, holder.offset) : undefined;
  const items: CompletionItem[] = [];

  if (kind === 'initializer' && fieldKey === 'kernel_initializer') {
    const own = refName('activation', siblingValue(holder, 'activation'));
    const act = own ?? (layer ? refName('activation', layer.args.activation) : sharedHiddenActivation(model, inSpec));
    pushRecommended(items, ctx, 'initializer', initializerFor(act));
  } else if (kind === 'activation' && fieldKey === 'activation') {
    const init = refName('initializer', siblingValue(holder, 'kernel_initializer') ?? layer?.args.kernel_initializer);
    pushRecommended(items, ctx, 'activation', activationFor(model, layer, valueAt(root, ['compile', 'loss']), init));
  } else if (kind === 'loss' && inSpec[0] === 'compile') {
    pushRecommended(items, ctx, 'loss', lossFor(model));
  } else if (fieldKey === 'monitor' && inSpec[1] === 'callbacks') {
    items.push(...monitorItems(ctx, root));
  } else if (fieldKey === 'filepath' && inSpec[1] === 'callbacks') {
    items.push(...checkpointPathItems(ctx, holder));
  } else if (layer && inSpec.length === 3) {
    items.push(...layerValueItems(ctx, model, layer, String(key)));
  }
  return items;
}

/** A recommended name: its own label (the schema lists the bare name), preselected and first. */
function pushRecommended(items: CompletionItem[], ctx: ValueContext, kind: CompletionKind, r: Recommendation | undefined): void {
  if (!r) return;
  items.push({
    label: `${r.value} (${r.why})`, kind, detail: `Recommended: ${r.why}`,
    insertText: JSON.stringify(r.value) + ctx.after, filterText: JSON.stringify(r.value),
    range: ctx.range, sortText: FIRST, preselect: true,
  });
}

/** Quantities training logs (`loss`, the compiled metrics, and their `val_` forms), but the schema's default. */
function monitorItems(ctx: ValueContext, root: Node): CompletionItem[] {
  const metrics = valueAt(root, ['compile', 'metrics']);
  const names = ['loss', ...(Array.isArray(metrics) ? metrics.filter((m): m is string => typeof m === 'string') : [])];
  const data = childAt(root, 'data');
  const validated = data?.type !== 'object' || properties(data).has('validation');
  const quantities = [...names.map((n) => `val_${n}`), ...names];
  return quantities
    .filter((q) => q !== 'val_loss') // the schema offers the default
    .map((q, i) => ({
      label: q, kind: 'value' as const,
      detail: q.startsWith('val_') ? (validated ? 'Logged on the validation data' : 'Needs "validation" in data') : 'Logged on the training data',
      insertText: JSON.stringify(q) + ctx.after, filterText: JSON.stringify(q), range: ctx.range,
      sortText: `${FIRST}${q.startsWith('val_') && !validated ? 9 : 0}${String(i).padStart(2, '0')}`,
    }));
}

/** ModelCheckpoint paths: one best model, one per epoch, or named by epoch and the monitored value. */
function checkpointPathItems(ctx: ValueContext, callback: Node | undefined): CompletionItem[] {
  if (siblingValue(callback, 'type') !== 'ModelCheckpoint') return [];
  const monitor = siblingValue(callback, 'monitor');
  const quantity = typeof monitor === 'string' && /^[A-Za-z_]\w*$/.test(monitor) ? monitor : 'val_loss';
  const paths: [string, string][] = [
    ['checkpoints/best', 'One folder, replaced by each better epoch (with save_best_only)'],
    ['checkpoints/epoch-{epoch:02d}', 'One folder per epoch: epoch-01, epoch-02, ...'],
    [`checkpoints/epoch-{epoch:02d}-${quantity}-{${quantity}:.4f}`, `Named by epoch and ${quantity}`],
  ];
  return paths.map(([p, detail], i) => ({
    label: p, kind: 'value', detail, insertText: JSON.stringify(p) + ctx.after, filterText: JSON.stringify(p), range: ctx.range, sortText: `${FIRST}${i}`,
  }));
}

/** A layer's `units` as the dataset's class count (output layer), its `input_shape` as the dataset's examples (first layer). */
function layerValueItems(ctx: ValueContext, model: ModelInfo, layer: LayerInfo, key: string): CompletionItem[] {
  const dataset = model.dataset;
  if (!dataset) return [];
  const value = (v: string, label: string, detail: string): CompletionItem => ({
    label, kind: 'value', detail, insertText: v + ctx.after, filterText: v, range: ctx.range, sortText: FIRST, preselect: true,
  });
  if (key === 'units' && layer.entry?.unitsArg === 'units' && layer === outputLayer(model)) {
    const n = dataset.numClasses;
    return [value(String(n), `${n} (${dataset.name} classes)`, `One output unit per ${dataset.name} class`)];
  }
  if (layer.index === 0 && (key === 'input_shape' || key === layer.entry?.shapeArg)) {
    const shape = JSON.stringify(dataset.exampleShape).replace(/,/g, ', ');
    return [value(shape, `${shape} (${dataset.name} examples)`, `The shape of one ${dataset.name} example`)];
  }
  return [];
}

/** The activation every hidden layer of the layer_defaults entry's type uses, when they agree. */
function sharedHiddenActivation(model: ModelInfo, inSpec: JsonPath): string | undefined {
  if (inSpec[0] !== 'layer_defaults') return undefined;
  const out = outputLayer(model);
  const acts = new Set(model.layers.filter((l) => l.type === inSpec[1] && l !== out).map((l) => refName('activation', l.args.activation)));
  return acts.size === 1 ? [...acts][0] : undefined;
}

/** The new-spec snippet, for an empty file. */
function newSpecItem(text: string, offset: number): CompletionItem {
  const range = text.trim() === '' ? { offset: 0, length: text.length } : { offset, length: 0 };
  return {
    label: 'New model spec (MNIST MLP)', kind: 'snippet', detail: 'The notebook\'s MNIST MLP: 316,810 params, two variants',
    documentation: '```jsonc\n' + newSpecText() + '```', insertText: newSpecText(), range, sortText: FIRST,
  };
}

function nodeAt(root: Node, path: JsonPath): Node | undefined {
  let node: Node | undefined = root;
  for (const seg of path) node = childAt(node, seg);
  return node;
}

function valueAt(root: Node | undefined, path: JsonPath): Json | undefined {
  const node = root && nodeAt(root, path);
  return node ? (getNodeValue(node) as Json) : undefined;
}

function siblingValue(holder: Node | undefined, key: string): Json | undefined {
  const v = properties(holder).get(key)?.value;
  return v ? (getNodeValue(v) as Json) : undefined;
}

/** True when `offset` is between the items of the list at `path` minus its index, not inside one. */
function betweenItems(root: Node, path: JsonPath, offset: number): boolean {
  const list = nodeAt(root, path.slice(0, -1));
  if (list?.type !== 'array') return false;
  return !(list.children ?? []).some((c) => c.offset < offset && offset < c.offset + c.length);
}

/** The word being typed before `offset` (what a completion replaces when no token holds the cursor). */
function wordBefore(text: string, offset: number): { offset: number; length: number } {
  let i = offset;
  while (i > 0 && !' \t\n\r\v":{[,]}'.includes(text.charAt(i - 1))) i--;
  if (i > 0 && text.charAt(i - 1) === '"') i--;
  return { offset: i, length: offset - i };
}

/** `,` when the next token starts another value or property, as the JSON language service does. */
function separatorAfter(text: string, offset: number): string {
  const scanner = createScanner(text, true);
  scanner.setPosition(offset);
  const token = scanner.scan();
  return token === SyntaxKind.CommaToken || token === SyntaxKind.CloseBraceToken || token === SyntaxKind.CloseBracketToken || token === SyntaxKind.EOF ? '' : ',';
}

/** True when `offset` is inside a comment (a line comment's end included). */
function inComment(text: string, offset: number): boolean {
  const scanner = createScanner(text, false);
  for (let t = scanner.scan(); t !== SyntaxKind.EOF && scanner.getTokenOffset() < offset; t = scanner.scan()) {
    const end = scanner.getTokenOffset() + scanner.getTokenLength();
    if (t === SyntaxKind.LineCommentTrivia && offset <= end) return true;
    if (t === SyntaxKind.BlockCommentTrivia && offset < end) return true;
  }
  return false;
}

/** True when the text holds nothing but whitespace and comments. */
function isBlank(text: string): boolean {
  const scanner = createScanner(text, true);
  return scanner.scan() === SyntaxKind.EOF;
}
