/**
 * Keras code -> ImportedModels. Parses with @lezer/python, runs the statements in order over
 * constants (so `EPOCHS = 10` in an earlier cell counts), and recognises Sequential models,
 * `model.add`, `compile`, `fit`, callbacks kept in variables, and the Keras datasets idioms
 * (`mnist.load_data()`, `X_train_full[:5000] / 255.`). Pure.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';
import { LineIndex } from '../diagnostics';
import type { Json } from '../registry';
import { asKerasObject, isObj, type Report } from './fromKerasObjects';
import type { ImportedModel } from './fromKerasModel';
import { PATH, evaluate, isTrailingDotFloat, parts, python, type CallInfo, type Scope } from './pythonValues';

type Obj = { [key: string]: Json };

/** A slice of a Keras dataset (`X_train_full[5000:] / 255.`), tracked to build the spec's data section. */
interface DataRef {
  dataset: string;
  split: 'train' | 'test';
  part: 'x' | 'y';
  start?: number;
  stop?: number;
  scale?: number;
  /** Passed through keras.utils.to_categorical. */
  oneHot?: boolean;
}

const DATA = '$data';
const MODEL = '$model';
/** The datasets `tf.keras.datasets.<name>.load_data()` the spec's `data.dataset` has. */
const DATASETS = new Set(['mnist', 'fashion_mnist']);

const dataRef = (v: Json | undefined): DataRef | undefined => (isObj(v) && isObj(v[DATA]) ? (v[DATA] as unknown as DataRef) : undefined);
const asData = (d: DataRef): Json => ({ [DATA]: d as unknown as Json });
const last = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/** Per-model facts gathered while running the code. */
interface ModelState extends ImportedModel {
  fitArgs?: { x?: Json; y?: Json; validation?: Json };
}

class Runner implements Scope {
  env = new Map<string, Json>();
  models: ModelState[] = [];
  private readonly lines: LineIndex;

  constructor(readonly text: string, private readonly report: Report) {
    this.lines = new LineIndex(text);
  }

  lineAt(offset: number): number {
    return this.lines.positionAt(offset).line + 1;
  }

  onCall(c: CallInfo): Json | undefined {
    if (c.path === 'operator/' || c.path === 'operator[]') return this.dataOp(c);
    if (c.receiver !== undefined) return this.methodCall(c);
    if (!c.path) return undefined;
    const name = last(c.path);
    if (name === 'Sequential') return this.newModel(c);
    if (name === 'load_data') return this.loadData(c);
    if (name === 'Model' && /(^|\.)(keras|models)\.Model$|^Model$/.test(c.path)) {
      this.report('a functional model (keras.Model(inputs, outputs)) is not imported: Model Spec imports Sequential models only.', c.line);
      return undefined;
    }
    // Array helpers keep the data they are given (`np.expand_dims(x, -1)`, `to_categorical(y, 10)`).
    const given = dataRef(c.args[0]);
    if (given && name === 'to_categorical') return asData({ ...given, oneHot: true });
    if (given && ['expand_dims', 'asarray', 'array'].includes(name)) return c.args[0];
    if (/^[A-Z]/.test(name) || /(initializers|regularizers|optimizers|losses|metrics|callbacks)\.[a-z_0-9]+$/.test(c.path)) {
      return { class_name: name, config: c.kwargs, args: c.args, $line: c.line };
    }
    return undefined;
  }

  private newModel(c: CallInfo): Json {
    const list = c.args[0] ?? c.kwargs.layers;
    const model: ModelState = { name: typeof c.kwargs.name === 'string' ? c.kwargs.name : '', line: c.line, layers: [] };
    const index = this.models.push(model) - 1;
    if (Array.isArray(list)) for (const l of list) this.addLayer(model, l, c.line);
    else if (list !== undefined && list !== null) this.report(`Sequential(...): its layers ${JSON.stringify(list).slice(0, 40)} are not a list the import can read.`, c.line);
    return { [MODEL]: index };
  }

  private addLayer(model: ModelState, value: Json, line: number): void {
    const ko = asKerasObject(value);
    if (ko) model.layers.push(ko);
    else this.report(`model ${model.name || '(unnamed)'}: a layer is not a constant layer call (${JSON.stringify(value).slice(0, 40)}); left out.`, line);
  }

  private methodCall(c: CallInfo): Json | undefined {
    const data = dataRef(c.receiver);
    if (data) return ['astype', 'reshape', 'copy'].includes(c.method ?? '') ? c.receiver : undefined;
    const index = isObj(c.receiver) && typeof c.receiver[MODEL] === 'number' ? c.receiver[MODEL] : undefined;
    if (index === undefined) return undefined;
    const model = this.models[index];
    switch (c.method) {
      case 'add': this.addLayer(model, c.args[0], c.line); break;
      case 'compile':
        model.compile = { ...(c.args[0] !== undefined ? { optimizer: c.args[0] } : {}), ...(c.args[1] !== undefined ? { loss: c.args[1] } : {}), ...c.kwargs };
        model.compileLine = c.line;
        break;
      case 'fit': this.fit(model, c); break;
      default: break;
    }
    return undefined;
  }

  private fit(model: ModelState, c: CallInfo): void {
    const all: Obj = { x: c.args[0] ?? null, y: c.args[1] ?? null, ...c.kwargs };
    const { x, y, validation_data: validation, ...rest } = all;
    const positional = ['x', 'y', 'batch_size', 'epochs'];
    c.args.slice(2, 4).forEach((v, i) => { rest[positional[i + 2]] = v; });
    if (c.args.length > 4) this.report('fit: positional arguments after epochs are left out; write them as keyword arguments.', c.line);
    model.fit = rest;
    model.fitLine = c.line;
    model.fitArgs = { x, y, validation };
  }

  private loadData(c: CallInfo): Json | undefined {
    const m = /datasets\.([a-z_0-9]+)\.load_data$/.exec(c.path ?? '');
    if (!m) return undefined;
    if (!DATASETS.has(m[1])) {
      this.report(`dataset ${m[1]} is not built in (Model Spec has ${[...DATASETS].join(' and ')}); add a data section with local files.`, c.line);
      return undefined;
    }
    const ref = (split: DataRef['split'], part: DataRef['part']): Json => asData({ dataset: m[1], split, part });
    return [[ref('train', 'x'), ref('train', 'y')], [ref('test', 'x'), ref('test', 'y')]];
  }

  private dataOp(c: CallInfo): Json | undefined {
    const d = dataRef(c.args[0]);
    if (!d) return undefined;
    if (c.path === 'operator/') return typeof c.args[1] === 'number' ? asData({ ...d, scale: (d.scale ?? 1) * c.args[1] }) : undefined;
    const [, start, stop] = c.args;
    if (d.start !== undefined || d.stop !== undefined || (start !== null && typeof start !== 'number') || (stop !== null && typeof stop !== 'number')) return undefined;
    return asData({ ...d, ...(typeof start === 'number' ? { start } : {}), ...(typeof stop === 'number' ? { stop } : {}) });
  }

  /** Binds assignment targets to a value, destructuring tuples. */
  bind(target: SyntaxNode, value: Json): void {
    if (target.name === 'VariableName') {
      const name = this.text.slice(target.from, target.to);
      this.env.set(name, value);
      const index = isObj(value) && typeof value[MODEL] === 'number' ? value[MODEL] : undefined;
      if (index !== undefined && !this.models[index].name) this.models[index].name = name;
      return;
    }
    if (target.name === 'TupleExpression' || target.name === 'ArrayExpression' || target.name === 'ParenthesizedExpression') this.bindAll(parts(target), value);
  }

  bindAll(targets: SyntaxNode[], value: Json): void {
    if (targets.length === 1) return this.bind(targets[0], value);
    targets.forEach((t, i) => this.bind(t, Array.isArray(value) ? value[i] ?? null : python(this.text.slice(t.from, t.to))));
  }
}

/** Splits an assignment's children at each `=`: targets..., value. */
function assignment(n: SyntaxNode, r: Runner): void {
  const groups: SyntaxNode[][] = [[]];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.name === 'AssignOp') groups.push([]);
    else if (c.name !== ',' && !c.type.isError && c.name !== 'TypeDef') groups[groups.length - 1].push(c);
  }
  const valueNodes = groups.pop() ?? [];
  const value = valueNodes.length === 1 ? evaluate(valueNodes[0], r) : valueNodes.map((v) => evaluate(v, r));
  for (const targets of groups) r.bindAll(targets, value);
}

function imports(n: SyntaxNode, r: Runner): void {
  const c: SyntaxNode[] = [];
  for (let x = n.firstChild; x; x = x.nextSibling) c.push(x);
  const text = (x: SyntaxNode): string => r.text.slice(x.from, x.to);
  const fromAt = c.findIndex((x) => x.name === 'from');
  const importAt = c.findIndex((x) => x.name === 'import');
  const module = fromAt >= 0 ? c.slice(fromAt + 1, importAt).map(text).join('') : '';
  const names = c.slice(importAt + 1);
  for (let i = 0; i < names.length; i++) {
    if (names[i].name !== 'VariableName') continue;
    let dotted = text(names[i]);
    let j = i;
    while (names[j + 1]?.name === '.' && names[j + 2]?.name === 'VariableName') { dotted += `.${text(names[j + 2])}`; j += 2; }
    const alias = names[j + 1]?.name === 'as' && names[j + 2] ? text(names[j + 2]) : undefined;
    const full = module ? `${module}.${dotted}` : dotted;
    r.env.set(alias ?? (module ? dotted : dotted.split('.')[0]), { [PATH]: alias || module ? full : dotted.split('.')[0] });
    i = alias ? j + 2 : j;
  }
}

const COMPOUND = new Set(['IfStatement', 'WithStatement', 'ForStatement', 'WhileStatement', 'TryStatement', 'FunctionDefinition', 'Body', 'DecoratedStatement']);

function run(n: SyntaxNode, r: Runner): void {
  for (let s = n.firstChild; s; s = s.nextSibling) {
    if (s.name === 'AssignStatement') assignment(s, r);
    else if (s.name === 'ImportStatement') imports(s, r);
    else if (s.name === 'ExpressionStatement' && s.firstChild) evaluate(s.firstChild, r);
    else if (COMPOUND.has(s.name)) run(s, r);
  }
}

/** Where the parser found code that is not Python (the first few, as 1-based lines). */
function syntaxErrors(code: string, top: SyntaxNode, lineAt: (o: number) => number): number[] {
  const lines: number[] = [];
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) {
      const parent = cursor.node.parent;
      if (!(parent && isTrailingDotFloat(parent)) && !lines.includes(lineAt(cursor.from))) lines.push(lineAt(Math.min(cursor.from, code.length)));
    }
  } while (lines.length < 5 && cursor.next());
  return lines;
}

/** The Sequential models Keras code builds, in order, with compile, fit and data. */
export function modelsFromPython(code: string, report: Report): ImportedModel[] {
  const tree = parser.parse(code);
  const r = new Runner(code, report);
  for (const line of syntaxErrors(code, tree.topNode, (o) => r.lineAt(o))) {
    report('syntax error: this is not valid Python, so the import skips what it cannot read here.', line);
  }
  run(tree.topNode, r);
  return r.models.map((m, i) => {
    const { fitArgs, ...model } = m;
    const data = fitArgs ? dataSection(fitArgs, report, m.fitLine) : undefined;
    if (dataRef(fitArgs?.y)?.oneHot) sparseLoss(model, report);
    return { ...model, name: model.name || `model ${i + 1}`, ...(data ? { data } : {}) };
  });
}

/**
 * The spec's built-in datasets give class ids; code that one-hot encodes them for
 * categorical_crossentropy computes exactly what sparse_categorical_crossentropy computes on the ids.
 */
function sparseLoss(model: ImportedModel, report: Report): void {
  const loss = model.compile?.loss;
  const name = typeof loss === 'string' ? loss : asKerasObject(loss)?.class_name;
  if (name !== 'categorical_crossentropy' && name !== 'CategoricalCrossentropy') return;
  model.compile = { ...model.compile, loss: 'sparse_categorical_crossentropy' };
  report('note: the labels are one-hot (keras.utils.to_categorical) for categorical_crossentropy; the spec\'s dataset labels are class ids, so the loss is sparse_categorical_crossentropy, which computes the same values.', model.compileLine);
}

/** The spec's data section from what `fit` was given. */
function dataSection(args: { x?: Json; validation?: Json }, report: Report, line?: number): Obj | undefined {
  const x = dataRef(args.x);
  if (!x) {
    if (args.x !== undefined) report('fit: the training data is not a Keras dataset the import knows (mnist, fashion_mnist); add a "data" section to the spec.', line);
    return undefined;
  }
  const data: Obj = { dataset: x.dataset };
  if (x.scale !== undefined) data.scale = x.scale;
  const v = Array.isArray(args.validation) ? dataRef(args.validation[0]) : undefined;
  if (v && v.split === 'train' && v.start === undefined && v.stop !== undefined && x.start === v.stop) {
    data.validation = { first: v.stop };
    if (v.scale !== x.scale) report(`fit: the validation data is scaled by ${v.scale ?? 1} but the training data by ${x.scale ?? 1}; the spec scales both by ${x.scale ?? 1}.`, line);
  } else if (args.validation !== undefined) {
    report('fit: validation_data is not the first N training examples (X_train_full[:N]) the spec can express; left out. Use "validation": { "first": N } or { "split": f }.', line);
  } else if (x.start !== undefined || x.stop !== undefined) {
    report('fit: the training data is a slice of the dataset without a matching validation slice; the spec trains on all of it.', line);
  }
  return data;
}
