/**
 * Quick fixes for the core's diagnostics: every "did you mean", and the fixes a diagnostic's
 * message spells out (add the input shape, set the output units, pair selu with lecun_normal,
 * ...). Each is a list of exact edits; the one obvious fix of a problem is marked preferred.
 */
import { findNodeAtOffset, getNodePath, type Node } from 'jsonc-parser';
import type { Analysis } from '../core/analyze';
import { properties } from '../core/jsonTree';
import { Code, type Diagnostic, type JsonPath } from '../core/diagnostics';
import type { LayerInfo, ModelInfo } from '../core/model';
import { analysisOf } from './analysisCache';
import { childAt, expectedAt } from './expectedAt';
import { within } from './modelAt';
import { insertItemBefore, insertProperty, removeProperty, replace, setProperty } from './textEdits';
import type { CodeAction, TextEdit } from './types';
import { plainTitle } from './markdown';

type Fix = Omit<CodeAction, 'diagnosticCode' | 'diagnosticRange'>;

/** Quick fixes for the diagnostics that overlap `[offset, offset + length]`. */
export function codeActions(text: string, offset: number, length: number): CodeAction[] {
  const a = analysisOf(text);
  if (!a.root) return [];
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  for (const d of a.diagnostics) {
    if (d.offset > offset + length || offset > d.offset + d.length) continue;
    for (const fix of fixesFor(a, d)) {
      // Layers sharing a layer_defaults entry report one problem each, all fixed by the same edit.
      const key = JSON.stringify([fix.title, fix.edits]);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...fix, title: plainTitle(fix.title), diagnosticCode: d.code, diagnosticRange: { offset: d.offset, length: d.length } });
    }
  }
  return out;
}

/** The fixes of one diagnostic. */
function fixesFor(a: Analysis, d: Diagnostic): Fix[] {
  const root = a.root as Node;
  const node = nodeAtRange(root, d);
  if (!node) return [];
  const variant = d.variant === undefined ? undefined : a.variants.find((v) => v.name === d.variant);
  // A problem of one variant is fixed in that variant's patch, never in the spec all variants share.
  const inScope = (edits: TextEdit[]): boolean => !variant || edits.every((e) => within(variant.node, e.offset));
  const model = variant?.model ?? a.model;
  const layer = d.path[0] === 'layers' && typeof d.path[1] === 'number' ? model.layers[d.path[1]] : undefined;
  const specific = specificFixes(a, d, node, { model, layer, variantNode: variant?.node });
  const fallback = d.suggestion === undefined ? undefined : suggestionFix(node, d.suggestion);
  const fixes = specific ?? (fallback ? [fallback] : []);
  return fixes.filter((f) => f.edits.length && inScope(f.edits));
}

/** Where a diagnostic belongs: the model it was found in (a variant's, or the spec's) and its layer. */
interface Scope {
  model: ModelInfo;
  layer?: LayerInfo;
  /** The variant's object, for a problem only one variant has. */
  variantNode?: Node;
}

/** Fixes that need more than the suggestion; undefined for the codes whose suggestion replaces the range's value. */
function specificFixes(a: Analysis, d: Diagnostic, node: Node, { model, layer, variantNode }: Scope): Fix[] | undefined {
  const text = a.text;
  switch (d.code) {
    case Code.MissingArguments:
      // The suggestion is the object to write in place of the bare name.
      return d.suggestion === undefined ? [] : [{ title: `Write ${d.suggestion}`, edits: [replace(node, d.suggestion)], isPreferred: true }];
    case Code.MissingInputShape: {
      const obj = objectOf(node);
      if (!obj || d.suggestion === undefined) return [];
      return [{ title: `Add "input_shape": ${d.suggestion}`, edits: [insertProperty(text, obj, 'input_shape', d.suggestion, 'type')], isPreferred: true }];
    }
    case Code.OutputActivation:
    case Code.SoftmaxBinaryCrossentropy: {
      if (!layer || d.suggestion === undefined) return [];
      // Set on the output layer itself: a layer_defaults activation is shared with the hidden layers.
      const value = JSON.stringify(d.suggestion);
      const edit = within(layer.node, node.offset) && isValueOf(node, 'activation') ? replace(node, value) : setProperty(text, layer.node, 'activation', value);
      // With more than two classes the loss is what is wrong (another diagnostic fixes it).
      const manyClasses = d.code === Code.SoftmaxBinaryCrossentropy && (a.model.dataset?.numClasses ?? 2) > 2;
      return [{ title: `Use "activation": ${value} on layer "${layer.name}"`, edits: [edit], isPreferred: !manyClasses }];
    }
    case Code.SeluInitializer:
    case Code.HeInitializerSaturating: {
      if (!layer || d.suggestion === undefined) return [];
      const edit = initializerEdit(text, layer, JSON.stringify(d.suggestion), variantNode);
      return edit ? [{ title: `Use "kernel_initializer": "${d.suggestion}"`, edits: [edit], isPreferred: true }] : [];
    }
    case Code.DeepSigmoid: {
      // Every hidden sigmoid, wherever it is written (a layer_defaults entry covers several layers).
      const nodes = new Set<Node>();
      const weighted = model.layers.filter((l) => l.entry?.activationArg);
      for (const l of weighted.slice(0, -1)) {
        const n = l.argNodes[l.entry?.activationArg as string];
        if (n?.type === 'string' && n.value === 'sigmoid') nodes.add(n);
      }
      return [{ title: 'Use "relu" in the hidden layers', edits: [...nodes].map((n) => replace(n, '"relu"')) }];
    }
    case Code.IgnoredInputShape: {
      const prop = node.parent?.type === 'property' ? node.parent : undefined;
      return prop ? [{ title: 'Remove "input_shape" (Keras ignores it after the first layer)', edits: [removeProperty(text, prop)], isPreferred: true }] : [];
    }
    case Code.KerasFileFormat: {
      const path = String(node.value).replace(/\.(h5|hdf5|keras)$/i, '');
      return [{ title: `Change to "${path}" (TensorFlow.js layers format)`, edits: [replace(node, JSON.stringify(path))], isPreferred: true }];
    }
    case Code.WrongType: return unquoteFix(a.root as Node, node);
    case Code.ConflictingKeys: {
      // `alpha` and `negative_slope`: keep the Keras 3 spelling.
      const prop = node.parent;
      const field = prop?.type === 'property' ? fieldOf(a.root as Node, prop) : undefined;
      return field && field.deprecatedAlias === node.value
        ? [{ title: `Remove "${String(node.value)}" (keep "${field.name}")`, edits: [removeProperty(text, prop as Node)], isPreferred: true }]
        : [];
    }
    case Code.NoValidationData: return validationFixes(a, d);
    case Code.OutputMismatch: {
      if (d.suggestion !== undefined) return undefined; // the units, or the loss
      if (!layer) return [];
      return [{ title: 'Add a Flatten layer before the output layer', edits: [insertItemBefore(text, layer.node, '{ "type": "Flatten" }')], isPreferred: true }];
    }
    default: return undefined;
  }
}

/** "Did you mean": the suggestion replaces the key, the name (keeping quotes), or the value. */
function suggestionFix(node: Node, suggestion: string): Fix | undefined {
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  if (isKey) return { title: `Rename to "${suggestion}"`, edits: [replace(node, JSON.stringify(suggestion))], isPreferred: true };
  // A name written as an object (`{ "type": "categorical_crossentropy", ... }`) changes its type.
  const target = node.type === 'object' ? properties(node).get('type')?.value : node;
  if (!target) return undefined;
  const text = target.type === 'string' ? JSON.stringify(suggestion) : suggestion;
  return { title: `Change to ${text}`, edits: [replace(target, text)], isPreferred: true };
}

/** The initializer fix goes where the activation is set, unless the variant at fault sets the initializer. */
function initializerEdit(text: string, layer: LayerInfo, value: string, variantNode: Node | undefined): TextEdit | undefined {
  const act = layer.argNodes[layer.entry?.activationArg ?? 'activation'];
  const init = layer.argNodes[layer.entry?.kernelInitializerArg ?? 'kernel_initializer'];
  const holder = act ? objectOf(act) : layer.node;
  if (!holder) return undefined;
  const initTarget = init?.type === 'object' ? properties(init).get('type')?.value : init;
  if (init && initTarget && (objectOf(init) === holder || (variantNode && within(variantNode, init.offset)))) {
    return replace(initTarget, value);
  }
  return setProperty(text, holder, 'kernel_initializer', value);
}

/** `"300"` where a number goes: write it without quotes (likewise `"true"` for a boolean). */
function unquoteFix(root: Node, node: Node): Fix[] {
  if (node.type !== 'string') return [];
  const expected = expectedAt(root, getNodePath(node) as JsonPath);
  const kind = expected && 'type' in expected ? expected.type.kind : undefined;
  const raw = String(node.value).trim();
  const ok = ((kind === 'int' || kind === 'number') && raw !== '' && Number.isFinite(Number(raw))) || (kind === 'bool' && (raw === 'true' || raw === 'false'));
  return ok ? [{ title: `Write ${raw} without quotes`, edits: [replace(node, raw)], isPreferred: true }] : [];
}

/** A callback watching a `val_` quantity without validation data: add validation data, or watch the training value. */
function validationFixes(a: Analysis, d: Diagnostic): Fix[] {
  const data = properties(a.root).get('data')?.value;
  const found = d.path.slice(0, 3).reduce<Node | undefined>((n, seg) => childAt(n, seg), a.root);
  const callback = found?.type === 'object' ? found : undefined;
  const monitor = properties(callback).get('monitor')?.value;
  const fixes: Fix[] = [];
  if (data?.type === 'object' && d.variant === undefined) {
    const validation = properties(data).has('dataset') ? '{ "first": 5000 }' : '{ "split": 0.1 }';
    fixes.push({ title: `Add "validation": ${validation} to data`, edits: [insertProperty(a.text, data, 'validation', validation)] });
  }
  const quantity = monitor?.type === 'string' ? String(monitor.value) : 'val_loss';
  if (callback) {
    fixes.push({ title: `Monitor "${quantity.slice(4)}" instead`, edits: [monitor ? replace(monitor, JSON.stringify(quantity.slice(4))) : setProperty(a.text, callback, 'monitor', JSON.stringify(quantity.slice(4)), 'type')] });
  }
  return fixes;
}

/** The field a property is (for its aliases). */
function fieldOf(root: Node, prop: Node): { name: string; deprecatedAlias?: string } | undefined {
  const e = expectedAt(root, getNodePath(prop.children?.[1] ?? prop) as JsonPath);
  return e && 'field' in e ? e.field : undefined;
}

/** True when `node` is the value of a property named `key`. */
function isValueOf(node: Node, key: string): boolean {
  return node.parent?.type === 'property' && node.parent.children?.[1] === node && node.parent.children?.[0]?.value === key;
}

/** The object holding the property `node` is the key or value of; an item object (a layer) is its own. */
function objectOf(node: Node): Node | undefined {
  if (node.parent?.type === 'property') return node.parent.parent;
  return node.type === 'object' ? node : undefined;
}

/** The node a diagnostic's range covers: a key, a value, or an object (a one-character range at its `{`). */
function nodeAtRange(root: Node, d: Diagnostic): Node | undefined {
  for (let n = findNodeAtOffset(root, d.offset); n; n = n.parent) {
    if (n.offset === d.offset && (n.length === d.length || (n.type === 'object' && d.length === 1))) return n;
    if (n.offset < d.offset) break;
  }
  return undefined;
}
