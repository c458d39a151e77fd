/**
 * Keras model configs -> an ImportedModel: `model.to_json()` in its Keras 3 and Keras 2 forms
 * (including the oldest, where a Sequential's config is a bare list of layers), a `.keras`
 * archive's `config.json`, and a legacy `.h5` file's `model_config` / `training_config`.
 */
import type { Json } from '../registry';
import { asKerasObject, isObj, type KerasObject, type Report } from './fromKerasObjects';
import type { ImportedModel } from './fromKerasModel';

type Obj = { [key: string]: Json };

/** A model config Model Spec cannot import, with the reason. */
export class UnsupportedModel extends Error {}

/** The Sequential layers of a model config, or an UnsupportedModel error saying why not. */
function sequentialLayers(model: Obj): KerasObject[] {
  const className = String(model.class_name);
  if (className !== 'Sequential') {
    const kind = className === 'Functional' || className === 'Model' ? 'a functional model' : `a ${className} model`;
    throw new UnsupportedModel(`it is ${kind}; Model Spec imports Sequential models only (a plain stack of layers).`);
  }
  const config = model.config;
  const list = Array.isArray(config) ? config : isObj(config) && Array.isArray(config.layers) ? config.layers : undefined;
  if (!list) throw new UnsupportedModel('its Sequential config has no "layers" list.');
  return list.map((l, i) => {
    const ko = asKerasObject(l);
    if (!ko) throw new UnsupportedModel(`layer ${i + 1} of its config is not a {"class_name": ..., "config": ...} object.`);
    return ko;
  });
}

/**
 * The model in a parsed config. `compile` is Keras 3's `compile_config` (inside the config or
 * given separately) or a legacy `training_config`; `name` is used when the config has none.
 */
export function modelFromKerasConfig(config: Json, name: string, compile?: Json): ImportedModel {
  if (!isObj(config) || typeof config.class_name !== 'string') {
    throw new UnsupportedModel('it is not a Keras model config (a JSON object with "class_name" and "config").');
  }
  const layers = sequentialLayers(config);
  const inner = isObj(config.config) ? config.config : {};
  const given = compile ?? config.compile_config;
  return {
    name: typeof inner.name === 'string' ? inner.name : name,
    layers,
    dropDefaults: true,
    ...(isObj(given) ? { compile: trainingToCompile(given) } : {}),
  };
}

/** Legacy `training_config` names its optimizer `optimizer_config` and adds keys compile has no use for. */
function trainingToCompile(c: Obj): Obj {
  const { optimizer_config: optimizer, ...rest } = c;
  return optimizer === undefined ? c : { ...rest, optimizer };
}

/** Parses JSON text as a model config, reporting a clear message (with the line) when it is not JSON. */
export function parseConfigText(text: string, report: Report): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    report(`not valid JSON (${(e as Error).message.replace(/^.*?: /, '')}).`, line);
    return undefined;
  }
}
