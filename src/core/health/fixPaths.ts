/**
 * Where a health fix must write in the spec FILE: the JSON paths of the values a run used. A
 * layer's argument comes from the layer's own key, else from `layer_defaults[type]`; a variant's
 * run reads its merge patch first (`variants[i]`), so a fix for that run goes into the patch and
 * leaves the other variants alone wherever the spec allows.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { properties } from '../jsonTree';
import type { Json } from '../registry';
import type { HealthFix } from './types';

export type FixEdit = HealthFix['edits'][number];
type Path = (string | number)[];

/** Set `key` of the layer at `index` (in the run's `layers` array) to `value`. */
export interface LayerAssignment {
  index: number;
  key: string;
  value: Json;
}

const isObject = (n: Node | undefined): n is Node => n?.type === 'object';

/** The paths of one run's values (the base spec's, or one variant's) in a spec's text. */
export class SpecPaths {
  private readonly top: ReturnType<typeof properties>;
  /** The variant's index in `variants` and its patch, for a variant's run. */
  private readonly patch: { index: number; props: ReturnType<typeof properties> } | undefined;
  /** The run's `layers` array, and its path. */
  private readonly layers: { node: Node | undefined; path: Path };

  constructor(specText: string, variant?: string) {
    const root = parseTree(specText, [], { allowTrailingComma: true, disallowComments: false });
    this.top = properties(root);
    const variants = this.top.get('variants')?.value;
    const index = variant === undefined || variants?.type !== 'array' ? -1
      : (variants.children ?? []).findIndex((v) => properties(v).get('name')?.value?.value === variant);
    this.patch = index < 0 || !variants?.children ? undefined : { index, props: properties(variants.children[index]) };
    const own = this.patch?.props.get('layers')?.value;
    this.layers = own?.type === 'array'
      ? { node: own, path: ['variants', index, 'layers'] }
      : { node: this.top.get('layers')?.value, path: ['layers'] };
  }

  /**
   * The paths that set the given layer arguments. A layer's own key is edited where it is (in
   * the variant's `layers` when the variant has its own). A value from layer_defaults (or
   * Keras's default) is set in layer_defaults: for a variant's run always in its patch, with
   * the most common value when layers of that type need different ones (a variant's fix never
   * edits what the other variants share); for the base spec only when its layer_defaults entry
   * feeds exactly the layers being changed, else on each layer.
   */
  layerEdits(assignments: readonly LayerAssignment[]): FixEdit[] {
    const items = this.layers.node?.type === 'array' ? this.layers.node.children ?? [] : [];
    const own: FixEdit[] = [];
    // Per layer type and key: the assignments to layers that take the key from layer_defaults.
    const drawn = new Map<string, { type: string; key: string; list: LayerAssignment[] }>();
    for (const a of assignments) {
      const layer = properties(items[a.index]);
      const type = layer.get('type')?.value?.value;
      if (layer.has(a.key) || typeof type !== 'string') {
        own.push({ path: [...this.layers.path, a.index, a.key], value: a.value });
        continue;
      }
      const k = `${type}\u0000${a.key}`;
      if (!drawn.has(k)) drawn.set(k, { type, key: a.key, list: [] });
      drawn.get(k)!.list.push(a);
    }
    const shared: FixEdit[] = [];
    for (const { type, key, list } of drawn.values()) {
      const feeds = items.filter((n) => { const p = properties(n); return p.get('type')?.value?.value === type && !p.has(key); }).length;
      const defaultsPath = this.defaultsPath(type);
      if (defaultsPath && (this.patch || feeds === list.length)) {
        const value = mostCommon(list.map((a) => a.value));
        shared.push({ path: [...defaultsPath, key], value });
        // In the base spec, layers that need another value get their own key.
        if (!this.patch) for (const a of list) if (JSON.stringify(a.value) !== JSON.stringify(value)) own.push({ path: [...this.layers.path, a.index, key], value: a.value });
      } else {
        for (const a of list) own.push({ path: [...this.layers.path, a.index, key], value: a.value });
      }
    }
    return [...shared, ...own.sort((a, b) => Number(a.path[a.path.length - 2]) - Number(b.path[b.path.length - 2]))];
  }

  /**
   * The paths that set optimizer arguments (`{ learning_rate: 0.001 }`). A string optimizer
   * (`"sgd"`) becomes an object of its canonical `type` and the arguments; a variant's run gets
   * them in its patch, merged over the base optimizer when that is an object.
   */
  optimizerEdits(optimizerType: string, args: Record<string, Json>): FixEdit[] {
    const prefix: Path = this.patch ? ['variants', this.patch.index, 'compile', 'optimizer'] : ['compile', 'optimizer'];
    const patched = this.patch ? properties(this.patch.props.get('compile')?.value).get('optimizer')?.value : undefined;
    const base = properties(this.top.get('compile')?.value).get('optimizer')?.value;
    // An object to merge into: the patch's own, else (when the patch has none) the base one.
    const mergeable = patched ? isObject(patched) : isObject(base);
    if (mergeable) return Object.entries(args).map(([k, value]) => ({ path: [...prefix, k], value }));
    return [{ path: prefix, value: { type: optimizerType, ...args } }];
  }

  /** The path of a top-level section's value (`["data", "scale"]`): in the variant's patch when it sets that section, else in the base spec. */
  sectionEdit(path: [string, ...Path], value: Json): FixEdit {
    return this.patch?.props.has(path[0]) ? { path: ['variants', this.patch.index, ...path], value } : { path, value };
  }

  /** Where `layer_defaults[type]` is for this run: the variant's patch (created if needed), or the base spec's when it has that entry. */
  private defaultsPath(type: string): Path | undefined {
    if (this.patch) return ['variants', this.patch.index, 'layer_defaults', type];
    return isObject(properties(this.top.get('layer_defaults')?.value).get(type)?.value) ? ['layer_defaults', type] : undefined;
  }
}

function mostCommon(values: readonly Json[]): Json {
  const counts = new Map<string, { value: Json; n: number }>();
  for (const v of values) {
    const k = JSON.stringify(v);
    const c = counts.get(k) ?? { value: v, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0].value;
}
