/**
 * The outline and breadcrumbs: the model, its sections, each layer (name, type, shape, params),
 * each callback, each variant (with the layers it writes itself). Every symbol's selection lies
 * inside its range and every child inside its parent, as VS Code requires.
 */
import { getNodeValue, type Node } from 'jsonc-parser';
import type { Analysis } from '../core/analyze';
import { properties } from '../core/jsonTree';
import type { LayerInfo } from '../core/model';
import { formatCount, formatShape, type Json } from '../core/registry';
import { analysisOf } from './analysisCache';
import { layersWrittenIn } from './modelAt';
import type { DocumentSymbol, SymbolKind } from './types';

/** The outline: model, layers (name, type, shape), callbacks and variants. */
export function documentSymbols(text: string): DocumentSymbol[] {
  const a = analysisOf(text);
  const root = a.root;
  if (root?.type !== 'object') return [];
  const nameNode = properties(root).get('name')?.value;
  const sections: DocumentSymbol[] = [];
  for (const prop of root.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key?.type !== 'string' || !value) continue;
    const s = section(a, String(key.value), prop, key, value);
    if (s) sections.push(s);
  }
  return [{
    name: nameNode?.type === 'string' && nameNode.value ? String(nameNode.value) : 'model spec',
    detail: a.model.complete ? `${formatCount(a.model.totalParams)} params` : undefined,
    kind: 'model',
    ...span(root),
    ...selection(nameNode ?? brace(root)),
    children: sections,
  }];
}

/** A top-level section and its children, or undefined for scalar settings (name, seed, ...). */
function section(a: Analysis, key: string, prop: Node, keyNode: Node, value: Node): DocumentSymbol | undefined {
  const make = (detail: string | undefined, children: DocumentSymbol[] = []): DocumentSymbol =>
    ({ name: key, detail, kind: 'section', ...span(prop), ...selection(keyNode), children });
  const v = (getNodeValue(value) ?? {}) as Record<string, Json>;
  switch (key) {
    case 'data':
      return make(describe([v.dataset ?? v.npz ?? (v.train ? 'local files' : undefined), v.scale !== undefined ? `scale ${String(v.scale)}` : undefined]));
    case 'layer_defaults':
      return make(undefined, (value.children ?? []).flatMap((p) => {
        const [k, val] = p.children ?? [];
        if (k?.type !== 'string' || !val) return [];
        const args = Object.entries((getNodeValue(val) ?? {}) as Record<string, Json>).map(([n, x]) => `${n} ${short(x)}`);
        return [{ name: String(k.value), detail: describe(args), kind: 'field' as SymbolKind, ...span(p), ...selection(k), children: [] }];
      }));
    case 'layers': {
      const m = a.model;
      return make(`${m.layers.length} layer${m.layers.length === 1 ? '' : 's'}${m.complete ? ` · ${formatCount(m.totalParams)} params` : ''}`, m.layers.map(layerSymbol));
    }
    case 'compile':
      return make(describe([short(v.optimizer), short(v.loss)]));
    case 'fit': {
      const callbacks = properties(value).get('callbacks')?.value;
      const children = (callbacks?.type === 'array' ? callbacks.children ?? [] : []).filter((c) => c.type === 'object').map(callbackSymbol);
      return make(describe([v.epochs !== undefined ? `${short(v.epochs)} epochs` : undefined, v.batch_size !== undefined ? `batch ${short(v.batch_size)}` : undefined]), children);
    }
    case 'variants':
      return make(`${a.variants.length} variant${a.variants.length === 1 ? '' : 's'}`, a.variants.map((vi) => ({
        name: vi.name,
        detail: vi.model.complete ? `${formatCount(vi.model.totalParams)} params` : undefined,
        kind: 'variant' as SymbolKind,
        ...span(vi.node),
        ...selection(properties(vi.node).get('name')?.value ?? brace(vi.node)),
        children: layersWrittenIn(vi.model, vi.node).map(layerSymbol),
      })));
    default:
      return undefined;
  }
}

/** `dense_1`, `Dense · (None, 300) · 235,500 params`. */
function layerSymbol(l: LayerInfo): DocumentSymbol {
  const params = l.params ? l.params.trainable + l.params.nonTrainable : undefined;
  const detail = [l.type || 'layer', l.outputShape ? formatShape(l.outputShape) : undefined, params !== undefined ? `${formatCount(params)} params` : undefined];
  return { name: l.name, detail: describe(detail), kind: 'layer', ...span(l.node), ...selection(l.nameNode ?? l.typeNode ?? brace(l.node)), children: [] };
}

function callbackSymbol(node: Node): DocumentSymbol {
  const props = properties(node);
  const type = props.get('type')?.value;
  const monitor = props.get('monitor')?.value;
  return {
    name: type?.type === 'string' ? String(type.value) : 'callback',
    detail: monitor?.type === 'string' ? `monitor ${String(monitor.value)}` : undefined,
    kind: 'callback', ...span(node), ...selection(type ?? brace(node)), children: [],
  };
}

const span = (n: Pick<Node, 'offset' | 'length'>): { offset: number; length: number } => ({ offset: n.offset, length: n.length });
const selection = (n: Pick<Node, 'offset' | 'length'>): { selectionOffset: number; selectionLength: number } => ({ selectionOffset: n.offset, selectionLength: n.length });
const brace = (n: Node): Pick<Node, 'offset' | 'length'> => ({ offset: n.offset, length: 1 });

/** A value in a few characters: names as written, objects by their `type`. */
function short(v: Json | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v)) return typeof v.type === 'string' ? v.type : '{…}';
  return JSON.stringify(v);
}

function describe(parts: (string | Json | undefined)[]): string | undefined {
  const s = parts.filter((p): p is string => typeof p === 'string' && p !== '').join(' · ');
  return s || undefined;
}
