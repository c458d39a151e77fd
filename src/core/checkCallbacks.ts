/**
 * Checks of `fit.callbacks` that need the rest of the spec: monitors that training logs,
 * filepath templates that can be formatted, paths that stay inside the run folder without
 * touching its own files, CSV separators, and ReduceLROnPlateau against a scheduled rate.
 * Everything the trainer's callbacks would refuse is an error here, before training starts.
 */
import { checkpointFormat, checkpointFormatProblem, tfjsCheckpointFolder } from './keras/checkpointFormat';
import { getNodeValue, type Node } from 'jsonc-parser';
import { Code, type JsonPath } from './diagnostics';
import { type Reporter } from './checkStructure';
import { properties } from './jsonTree';
import { didYouMean } from './didYouMean';
import { FilepathFormatError, parseTemplate, type TemplatePart } from './filepathTemplate';
import { parseFormatSpec, pyFormatNumber, pyFormatString, pyStr } from './pyFormat';
import { lookup, type Json } from './registry';
import { RESERVED_RUN_NAMES } from './runFiles';

type Props = ReturnType<typeof properties>;

/** What the epoch logs hold when a callback runs. */
interface LogKeys {
  /** `loss`, the metrics, and their `val_` forms when there is validation data. */
  logged: string[];
  /** `val_` keys that would be logged if the data had a validation set. */
  validationOnly: string[];
  /** False when the spec has no `data` (then nothing is known about validation). */
  knowsData: boolean;
}

/** A path a callback writes, for conflicts between callbacks. */
interface WrittenPath {
  key: string;
  node: Node;
  /** A CSV log is a file: nothing can live inside it. */
  file: boolean;
}

/** Monitors, paths, templates and separators of every callback. */
export function checkCallbacks(callbacksNode: Node | undefined, compile: Props, dataNode: Node | undefined, r: Reporter): void {
  if (callbacksNode?.type !== 'array') return;
  const metricsValue = valueOf(r, compile.get('metrics')?.value);
  const metrics = Array.isArray(metricsValue) ? metricsValue.filter((m): m is string => typeof m === 'string') : [];
  const train = ['loss', ...metrics];
  const hasValidation = dataNode?.type === 'object' && properties(dataNode).has('validation');
  const keys: LogKeys = {
    logged: [...train, ...(hasValidation || dataNode?.type !== 'object' ? train.map((m) => `val_${m}`) : [])],
    validationOnly: hasValidation ? [] : train.map((m) => `val_${m}`),
    knowsData: dataNode?.type === 'object',
  };
  const writtenPaths: WrittenPath[] = [];
  let rateLogged = false;
  (callbacksNode.children ?? []).forEach((cb, i) => {
    if (cb.type !== 'object' || r.isBad(cb)) return;
    const props = properties(cb);
    const entry = lookup('callback', String(props.get('type')?.value?.value ?? ''));
    if (!entry) return;
    const path: JsonPath = ['fit', 'callbacks', i];
    if (entry.args.some((a) => a.name === 'monitor')) checkMonitor(cb, props, entry.name, path, keys, r);
    if (entry.name === 'ReduceLROnPlateau') checkScheduledRate(props, compile, path, r);
    if (entry.name === 'CSVLogger') checkSeparator(props, path, r);
    const pathKey = PATH_KEYS[entry.name];
    const node = pathKey ? props.get(pathKey)?.value : undefined;
    if (pathKey && node?.type === 'string' && node.value && !r.isBad(node)) {
      const what = entry.name === 'ModelCheckpoint' ? 'Checkpoint' : entry.name === 'TensorBoard' ? 'TensorBoard log' : 'CSV log';
      const weightsOnly = props.get('save_weights_only')?.value?.value === true;
      // ReduceLROnPlateau adds learning_rate to the logs; callbacks after it see the key.
      const filled = pathKey === 'filepath' ? checkTemplate(node, [...path, pathKey], keys, rateLogged, r) : String(node.value);
      // A checkpoint in the TensorFlow.js format is the folder named by the path without its extension.
      const target = filled !== undefined && pathKey === 'filepath' && checkpointFormat(filled, weightsOnly) === 'tfjs' ? tfjsCheckpointFolder(filled) : filled;
      if (filled !== undefined && checkRunPath(node, filled, target ?? filled, [...path, pathKey], what, r)) {
        checkConflicts(node, filled, [...path, pathKey], pathKey === 'filename', writtenPaths, r);
      }
      const problem = pathKey === 'filepath' ? checkpointFormatProblem(String(node.value), weightsOnly) : undefined;
      if (problem) r.report('info', Code.KerasFileFormat, node, [...path, pathKey], `${problem[0].toUpperCase()}${problem.slice(1)}`);
    }
    if (entry.name === 'ReduceLROnPlateau') rateLogged = true;
  });
}

/** The argument that names a file or folder the callback writes in the run folder. */
const PATH_KEYS: Record<string, string | undefined> = { ModelCheckpoint: 'filepath', CSVLogger: 'filename', TensorBoard: 'log_dir' };

const valueOf = (r: Reporter, node: Node | undefined): Json | undefined =>
  node && !r.isBad(node) ? (getNodeValue(node) as Json) : undefined;

/**
 * The monitor must be logged; with `mode: "auto"` the trainer must also be able to tell whether
 * it should go up or down (Keras raises a ValueError otherwise), so an unknown name is an error.
 */
function checkMonitor(cb: Node, props: Props, callback: string, path: JsonPath, keys: LogKeys, r: Reporter): void {
  const monitorNode = props.get('monitor')?.value;
  if (monitorNode && monitorNode.type !== 'string') return;
  const monitor = monitorNode ? String(monitorNode.value) : 'val_loss';
  const modeNode = props.get('mode')?.value;
  const auto = !modeNode || modeNode.value === 'auto';
  const at = monitorNode ?? props.get('type')?.value ?? cb;
  const base = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  const directed = base === 'loss' || lookup('metric', base) !== undefined || lookup('loss', base) !== undefined;
  if (keys.validationOnly.includes(monitor)) {
    r.report('warning', Code.NoValidationData, at, [...path, 'monitor'],
      `${callback} monitors ${monitor}, but the data has no validation set, so it never acts. Add "validation": { "first": 5000 } to data, or monitor "${monitor.slice(4)}".`);
    return;
  }
  if (keys.logged.includes(monitor) || (monitor === 'learning_rate' && !auto)) return;
  const renamed = monitor.replace(/(^|_)acc$/, '$1accuracy');
  const guess = keys.logged.includes(renamed) ? renamed : didYouMean(monitor, keys.logged);
  const hint = `${guess ? ` Did you mean "${guess}"?` : ''} Logged: ${keys.logged.join(', ')}.`;
  if (auto && !directed) {
    r.error(Code.UnknownMonitor, at, [...path, 'monitor'],
      `${callback} monitors "${monitor}", which training does not log, and with "mode": "auto" it cannot tell whether "${monitor}" should go up or down, so training refuses it.${hint} Or give "mode": "min" or "max".`, guess);
    return;
  }
  r.report('warning', Code.UnknownMonitor, at, [...path, 'monitor'],
    `${callback} monitors "${monitor}", which training does not log, so it will never act.${hint}`, guess);
}

/** Keras refuses ReduceLROnPlateau on an optimizer whose learning rate follows a schedule. */
function checkScheduledRate(props: Props, compile: Props, path: JsonPath, r: Reporter): void {
  const optimizer = compile.get('optimizer')?.value;
  const rate = properties(optimizer).get('learning_rate')?.value;
  if (rate?.type !== 'object' || r.isBad(rate)) return;
  r.error(Code.ScheduledLearningRate, props.get('type')?.value ?? rate, [...path, 'type'],
    'ReduceLROnPlateau cannot change a learning rate that follows a schedule (compile.optimizer.learning_rate); Keras refuses this too. ' +
    'Give "learning_rate" a number, or remove ReduceLROnPlateau.');
}

/** Python's csv module needs a one-character delimiter. */
function checkSeparator(props: Props, path: JsonPath, r: Reporter): void {
  const node = props.get('separator')?.value;
  if (node?.type !== 'string' || r.isBad(node) || Array.from(String(node.value)).length <= 1) return;
  const first = Array.from(String(node.value))[0];
  r.error(Code.OutOfRange, node, [...path, 'separator'],
    `"separator" must be a single character (Python's csv module refuses ${JSON.stringify(node.value)}), e.g. "," or ";" or "\\t".`, first);
}

/** Longest file name most file systems allow, in UTF-8 bytes. */
const NAME_MAX = 255;

/**
 * Parses a ModelCheckpoint template as the trainer will, fills it with sample values, and
 * reports fields the logs will not have and format specs that cannot format. Returns the
 * sample path, or undefined when the template cannot be filled.
 */
function checkTemplate(node: Node, path: JsonPath, keys: LogKeys, rateLogged: boolean, r: Reporter): string | undefined {
  const template = String(node.value);
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template);
  } catch (e) {
    const why = e instanceof FilepathFormatError ? e.message.replace(/^.*Reason: /, '') : String(e);
    r.error(Code.InvalidPathTemplate, node, path, `The filepath template "${template}" cannot be formatted: ${why}. Write fields as {epoch:02d} or {val_loss:.2f}, and double "{{" and "}}" for literal braces.`);
    return undefined;
  }
  const available = ['epoch', ...keys.logged, ...(rateLogged ? ['learning_rate'] : [])];
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const problem = fieldProblem(part, template, available, keys, rateLogged);
    if (problem) {
      r.error(problem.code, node, path, problem.message, problem.suggestion);
      return undefined;
    }
    out += formatSample(part);
  }
  return out;
}

function fieldProblem(part: Extract<TemplatePart, { kind: 'field' }>, template: string, available: string[], keys: LogKeys, rateLogged: boolean): { code: Code; message: string; suggestion?: string } | undefined {
  const name = part.name;
  if (!available.includes(name)) {
    if (keys.validationOnly.includes(name)) {
      return { code: Code.NoValidationData, message: `The filepath template uses {${name}}, but the data has no validation set, so ${name} is never logged and the checkpoint cannot be named. Add "validation": { "first": 5000 } to data, or use {${name.slice(4)}}.` };
    }
    const guess = didYouMean(name, available);
    const why = name === 'learning_rate' && !rateLogged ? ' (learning_rate is only logged by a ReduceLROnPlateau listed before this callback)' : '';
    return {
      code: Code.UnknownTemplateField,
      message: `The filepath template "${template}" uses {${name}}, which training does not log${why}.${guess ? ` Did you mean {${guess}}?` : ''} Fields: ${available.join(', ')}.`,
      ...(guess ? { suggestion: template.split(`{${name}`).join(`{${guess}`) } : {}),
    };
  }
  try {
    const spec = parseFormatSpec(part.spec);
    if ((spec.width ?? 0) > NAME_MAX) throw new Error(`width ${spec.width} makes a file name longer than ${NAME_MAX} characters`);
    formatSample(part);
  } catch (e) {
    return { code: Code.InvalidPathTemplate, message: `The filepath template "${template}" cannot format {${name}${part.conversion ? `!${part.conversion}` : ''}${part.spec ? `:${part.spec}` : ''}}: ${(e as Error).message}. Use a spec such as {epoch:02d} or {${name === 'epoch' ? 'val_loss' : name}:.4f}.` };
  }
  return undefined;
}

/** A field filled as the trainer fills it, with epoch 1 and a log value of 0.5. */
function formatSample(part: Extract<TemplatePart, { kind: 'field' }>): string {
  const isEpoch = part.name === 'epoch';
  const value = isEpoch ? 1 : 0.5;
  return part.conversion === null ? pyFormatNumber(value, part.spec, isEpoch) : pyFormatString(pyStr(value, isEpoch), part.spec);
}

/** Splits a relative path into its segments, without `.` and empty ones. */
const segments = (p: string): string[] => p.split(/[/\\]/).filter((s) => s !== '' && s !== '.');

/**
 * A callback path must stay inside the run folder, name a file, fit the file system's name
 * limit, and avoid the run's own files and folders. Returns true when it does.
 */
function checkRunPath(node: Node, p: string, target: string, path: JsonPath, what: string, r: Reporter): boolean {
  const shown = String(node.value);
  if (/^([/\\]|[a-zA-Z]:)/.test(p) || p.split(/[/\\]/).includes('..')) {
    r.error(Code.PathOutsideRun, node, path, `${what} paths are relative to the run folder and must stay inside it, but "${shown}" leaves it. Use a relative path such as "checkpoints/best".`);
    return false;
  }
  const last = p.split(/[/\\]/).pop() ?? '';
  if (last === '' || last === '.' || segments(p).length === 0) {
    r.error(Code.PathIsFolder, node, path, `${what} path "${shown}" names a folder, not a file. Give a file name inside the run folder, such as "checkpoints/best".`);
    return false;
  }
  const long = segments(p).find((s) => new TextEncoder().encode(s).length > NAME_MAX);
  if (long) {
    r.error(Code.OutOfRange, node, path, `${what} path "${shown.slice(0, 40)}..." has a name longer than ${NAME_MAX} bytes, which file systems refuse. Use a shorter name.`);
    return false;
  }
  const first = [p, target].map((q) => segments(q)[0]?.toLowerCase() ?? '').find((s) => RESERVED_RUN_NAMES.includes(s));
  if (first !== undefined) {
    const inside = segments(p).length > 1 ? 'is inside' : 'is';
    r.error(Code.ReservedRunPath, node, path,
      `${what} path "${shown}" ${inside} the run's own "${first}", which the trainer writes (reserved: ${RESERVED_RUN_NAMES.join(', ')}). Use another name, such as "checkpoints/best" or "logs/train.csv".`);
    return false;
  }
  return true;
}

/** Two callbacks writing one path, or a path inside a CSV log file, would clobber each other. */
function checkConflicts(node: Node, p: string, path: JsonPath, file: boolean, written: WrittenPath[], r: Reporter): void {
  const key = segments(p).join('/').toLowerCase();
  const clash = written.find((w) => w.key === key || (w.file && key.startsWith(w.key + '/')) || (file && w.key.startsWith(key + '/')));
  if (clash) {
    r.error(Code.ReservedRunPath, node, path,
      `"${String(node.value)}" collides with ${JSON.stringify(String(clash.node.value))}, which another callback writes; each callback needs its own path.`);
    return;
  }
  written.push({ key, node, file });
}
