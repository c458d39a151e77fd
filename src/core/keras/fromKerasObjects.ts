/**
 * Keras objects (as Keras serializes them, or as Python code builds them) -> spec values.
 * Every name goes through the registry; whatever has no spec equivalent is reported, never
 * guessed. Pure: no file access.
 */
import { lookup, lookupLayer, type Field, type Json, type NameKind } from '../registry';

type Obj = { [key: string]: Json };
type RefKind = Exclude<NameKind, 'layer'>;

/** Reports one problem; `line` (1-based, in the source) when known. */
export type Report = (message: string, line?: number) => void;

/**
 * A Keras object in the one form both sources produce: Keras's own serialization
 * (`{"class_name": "Dense", "config": {...}}`, Keras 3 adds `module` and `registered_name`) or a
 * Python call, which adds its positional arguments as `args` and its source line as `$line`.
 */
export interface KerasObject {
  class_name: string;
  config: Obj;
  args?: Json[];
  $line?: number;
}

/** Marks a Python expression that is not a constant (`{ "$python": "n_units" }`). */
export const PYTHON_EXPR = '$python';

export const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value as a Keras object, if it is one. */
export function asKerasObject(v: Json | undefined): KerasObject | undefined {
  if (!isObj(v) || typeof v.class_name !== 'string') return undefined;
  return {
    class_name: v.class_name,
    config: isObj(v.config) ? v.config : {},
    ...(Array.isArray(v.args) ? { args: v.args } : {}),
    ...(typeof v.$line === 'number' ? { $line: v.$line } : {}),
  };
}

/** Short text of a value for messages. */
export function show(v: Json | undefined): string {
  if (isObj(v) && typeof v[PYTHON_EXPR] === 'string') return `\`${v[PYTHON_EXPR]}\``;
  if (isObj(v) && typeof v.$path === 'string') return `\`${v.$path}\``;
  const ko = asKerasObject(v);
  if (ko) return `${ko.class_name}(...)`;
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Python values that are no constant: an expression, a module path, data or a model (`$python`, `$path`, ...). */
const isPythonMarker = (v: Obj): boolean => Object.keys(v).some((k) => k.startsWith('$') && k !== '$line');

/** True when a value (or anything inside it) is a non-constant Python expression. */
function hasPython(v: Json): boolean {
  if (Array.isArray(v)) return v.some(hasPython);
  if (!isObj(v)) return false;
  return isPythonMarker(v) || Object.values(v).some(hasPython);
}

/**
 * Keras arguments that have no spec field but change nothing at these values (channels-last
 * data, no constraints, no LoRA, the float32 dtype): dropped silently. Any other value is reported.
 */
const NEUTRAL_ARGS: Record<string, readonly Json[]> = {
  data_format: ['channels_last', null],
  kernel_constraint: [null], bias_constraint: [null], beta_constraint: [null], gamma_constraint: [null],
  // BatchNormalization's regularizers, which Keras serializes as null (the spec has no field for them).
  beta_regularizer: [null], gamma_regularizer: [null],
  groups: [1], keepdims: [false], noise_shape: [null], lora_rank: [null], lora_alpha: [null], synchronized: [false],
  renorm: [false], fused: [null], dtype: [], autocast: [true], sparse: [false], ragged: [false],
  // Optimizer settings Keras serializes at their "off" values.
  name: [], weight_decay: [null, 0], clipnorm: [null], global_clipnorm: [null], clipvalue: [null],
  use_ema: [false], ema_momentum: [], ema_overwrite_frequency: [], loss_scale_factor: [null],
  gradient_accumulation_steps: [null], jit_compile: [], is_legacy_optimizer: [], decay: [0], amsgrad: [false],
  // Loss/metric settings at Keras's defaults.
  reduction: ['sum_over_batch_size', 'auto', null], ignore_class: [null], axis: [-1], label_smoothing: [0],
};

/** Whether an argument without a spec field may be dropped at this value. */
export function isNeutral(key: string, value: Json): boolean {
  const allowed = NEUTRAL_ARGS[key];
  if (!allowed) return false;
  // An empty list means "any value is harmless" (names, dtypes, EMA settings while use_ema is off).
  return allowed.length === 0 || allowed.some((a) => JSON.stringify(a) === JSON.stringify(value));
}

/**
 * Positional Python arguments -> keyword arguments by the registry's argument order. Only the
 * first argument, or a run of required ones, is taken: that is where the registry's order is
 * Keras's signature; later ones are reported so nothing lands in the wrong argument.
 */
export function positionalArgs(fields: readonly Field[], args: readonly Json[], what: string, report: Report, line?: number): Obj {
  const out: Obj = {};
  args.forEach((value, i) => {
    const field = fields[i];
    const trusted = field && (i === 0 || fields.slice(0, i + 1).every((f) => f.required));
    if (trusted) out[field.name] = value;
    else report(`${what}: positional argument ${i + 1} (${show(value)}) is left out; write it as a keyword argument (name=value).`, line);
  });
  return out;
}

/** A registry reference (activation, initializer, optimizer, ...) from a Keras value, or undefined (reported). */
export function refFromKeras(kind: RefKind, value: Json, what: string, report: Report, line?: number): Json | undefined {
  if (typeof value === 'string') {
    const entry = lookup(kind, value);
    if (entry) return value;
    report(`${what}: ${kind} "${value}" is not supported here; left out.`, line);
    return undefined;
  }
  // Code may name the function itself: activation=tf.nn.relu, keras.activations.softmax.
  const fn = isObj(value) && typeof value.$path === 'string' ? /(?:^|\.)(?:activations|nn)\.([a-z_0-9]+)$/.exec(value.$path) : null;
  if (kind === 'activation' && fn && lookup('activation', fn[1])) return fn[1];
  const ko = asKerasObject(value);
  if (!ko) {
    report(`${what}: ${show(value)} is not a constant ${kind}; left out.`, line);
    return undefined;
  }
  const at = ko.$line ?? line;
  const entry = lookup(kind, ko.class_name);
  if (!entry) {
    report(`${what}: ${kind} ${ko.class_name} is not supported; left out.`, at);
    return undefined;
  }
  const given: Obj = { ...positionalArgs(entry.args, ko.args ?? [], `${what} ${ko.class_name}`, report, at), ...ko.config };
  const args = argsFromKeras(entry.args, given, `${what} ${ko.class_name}`, report, at);
  // Keras writes every argument; keep only those that differ from the defaults.
  const changed = Object.entries(args).filter(([k, v]) => JSON.stringify(entry.args.find((f) => f.name === k)?.default) !== JSON.stringify(v));
  return changed.length ? { type: entry.name, ...Object.fromEntries(changed) } : entry.name;
}

/** Canonical spelling for a layer type, or undefined. */
export function layerType(className: string): string | undefined {
  return lookupLayer(className)?.name;
}

/**
 * Keras arguments -> spec arguments for the given registry fields: names and nested objects
 * (initializers, regularizers, activations) mapped, neutral extras dropped, the rest reported.
 */
export function argsFromKeras(fields: readonly Field[], given: Obj, what: string, report: Report, line?: number): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(given)) {
    const field = fields.find((f) => f.name === key || f.deprecatedAlias === key);
    if (!field) {
      if (!isNeutral(key, value)) report(`${what}: argument ${key}=${show(value)} is not supported; left out.`, line);
      continue;
    }
    const named = field.type.kind === 'ref' && isObj(value) && typeof value.$path === 'string';
    if (hasPython(value) && !named) {
      report(`${what}: ${key}=${show(value)} is not a constant the import can read; left out. Write the value itself.`, line);
      continue;
    }
    const mapped = valueFromKeras(field, value, `${what} ${key}`, report, line);
    if (mapped !== undefined) out[field.name] = mapped;
  }
  return out;
}

function valueFromKeras(field: Field, value: Json, what: string, report: Report, line?: number): Json | undefined {
  const t = field.type;
  // Keras writes null for "not set" (a seed); the spec then leaves the argument out.
  if (value === null) return field.default === null ? null : undefined;
  if (t.kind === 'ref') return refFromKeras(t.ref, value, what, report, line);
  if (t.kind === 'oneOf' && isObj(value)) {
    const ref = t.options.find((o) => o.kind === 'ref');
    if (ref?.kind === 'ref') return refFromKeras(ref.ref, value, what, report, line);
  }
  if (isObj(value) && asKerasObject(value)) {
    report(`${what}: ${show(value)} is not supported here; left out.`, line);
    return undefined;
  }
  return value;
}
