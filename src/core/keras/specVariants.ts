/**
 * Several imported models -> one spec with variants: what the models share goes in the base
 * spec, each model's differences in a JSON Merge Patch variant. Layer arguments that differ
 * between models (the notebook's initializers and activations) move to `layer_defaults`, so a
 * variant patches one line instead of repeating the layer list. Pure.
 */
import { lookupLayer, type Json } from '../registry';
import { isObj } from './fromKerasObjects';

type Obj = { [key: string]: Json };

const same = (a: Json | undefined, b: Json | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A layer argument's value with Keras's default filled in (undefined: not given and no default). */
function effective(layer: Obj, key: string): Json | undefined {
  if (layer[key] !== undefined) return layer[key];
  return lookupLayer(String(layer.type))?.args.find((f) => f.name === key)?.default;
}

/** The layer lists of all specs, when they have the same layer types in the same order. */
function alignedLayers(specs: readonly Obj[]): Obj[][] | undefined {
  const lists = specs.map((s) => (Array.isArray(s.layers) ? (s.layers as Obj[]) : []));
  const types = (l: Obj[]): string => l.map((x) => x.type).join(',');
  return lists.every((l) => types(l) === types(lists[0])) ? lists : undefined;
}

/**
 * Moves each argument whose value differs between the models, but is the same for all layers
 * of its type where it differs, into each spec's `layer_defaults`; layers of that type where
 * it does not differ get the value written out so the default does not reach them.
 */
function factorLayerDefaults(specs: Obj[]): Obj[] {
  const lists = alignedLayers(specs);
  if (!lists) return specs;
  const out: Obj[] = specs.map((s, i) => ({ ...s, layers: lists[i].map((l) => ({ ...l })) as Json[] }));
  const layersOf = (i: number): Obj[] => out[i].layers as Obj[];
  const keys = new Set<string>();
  for (const l of lists.flat()) for (const k of Object.keys(l)) keys.add(`${l.type}\u0000${k}`);
  for (const tk of keys) {
    const [type, key] = tk.split('\u0000');
    const entry = lookupLayer(type);
    if (!entry?.args.some((f) => f.name === key && f.default !== undefined)) continue;
    const positions: number[] = lists[0].map((l, p) => (l.type === type ? p : -1)).filter((p) => p >= 0);
    const varying: number[] = positions.filter((p) => lists.some((l) => !same(effective(l[p], key), effective(lists[0][p], key))));
    if (!varying.length) continue;
    const perSpec: (Json | undefined)[] = lists.map((l) => effective(l[varying[0]], key));
    if (!lists.every((l, i) => varying.every((p) => same(effective(l[p], key), perSpec[i])))) continue;
    out.forEach((s, i) => {
      const defaults = isObj(s.layer_defaults) ? { ...s.layer_defaults } : {};
      defaults[type] = { ...(isObj(defaults[type]) ? defaults[type] : {}), [key]: perSpec[i] as Json };
      s.layer_defaults = defaults;
      for (const p of positions) {
        const layer = layersOf(i)[p];
        if (varying.includes(p)) delete layer[key];
        else layer[key] = effective(lists[i][p], key) as Json;
      }
    });
  }
  return out;
}

/** The value most specs share at a key (undefined when most lack it); objects are merged key by key. */
function consensus(values: readonly (Json | undefined)[]): Json | undefined {
  const present = values.filter((v) => v !== undefined);
  if (present.length && present.length === values.length && present.every(isObj)) {
    const keys = [...new Set(present.flatMap((v) => Object.keys(v as Obj)))];
    const out: Obj = {};
    for (const k of keys) {
      const v = consensus(present.map((p) => (p as Obj)[k]));
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  const counts = new Map<string, { value: Json | undefined; n: number }>();
  for (const v of values) {
    const key = v === undefined ? '\u0000' : JSON.stringify(v);
    const c = counts.get(key) ?? { value: v, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  // Ties go to the earliest model: Map keeps insertion order and sort is stable.
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.value;
}

/** The JSON Merge Patch that turns `base` into `target`. */
export function mergePatchDiff(base: Obj, target: Obj): Obj {
  const patch: Obj = {};
  for (const [k, v] of Object.entries(target)) {
    const b = base[k];
    if (same(b, v)) continue;
    patch[k] = isObj(b) && isObj(v) ? mergePatchDiff(b, v) : v;
  }
  for (const k of Object.keys(base)) if (!(k in target)) patch[k] = null;
  return patch;
}

/** Names made unique: a repeated name gets its source location (`model_1 (cell 20)`). */
function uniqueNames(models: readonly { name: string; where?: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const m of models) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
  const used = new Set<string>();
  return models.map((m) => {
    let name = (counts.get(m.name) ?? 0) > 1 && m.where ? `${m.name} (${m.where})` : m.name;
    for (let n = 2; used.has(name); n++) name = `${m.name} (${n})`;
    used.add(name);
    return name;
  });
}

/** One spec for the models: the single model's spec, or a base with one variant per model. */
export function combineSpecs(models: readonly { name: string; where?: string; spec: Obj }[]): Obj {
  if (models.length === 1) return models[0].spec;
  const factored = factorLayerDefaults(models.map((m) => m.spec));
  const base = consensus(factored) as Obj;
  const names = uniqueNames(models);
  return { ...base, variants: factored.map((s, i) => ({ name: names[i], ...mergePatchDiff(base, s) })) };
}
