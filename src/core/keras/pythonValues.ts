/**
 * Python expressions (from the @lezer/python syntax tree) -> JSON values the Keras mapping
 * reads: literals, lists and tuples, constants bound earlier, and calls as Keras objects
 * (`{"class_name": "Dense", "config": {...}, "args": [...], "$line": 7}`). Anything else becomes
 * `{"$python": "<source text>"}`, which the mapping reports instead of guessing. Pure.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Json } from '../registry';
import { PYTHON_EXPR, isObj } from './fromKerasObjects';

type Obj = { [key: string]: Json };

/** Lists longer than this are not evaluated (an embedded data array is no model argument). */
export const MAX_LIST_ITEMS = 10_000;

/** A module path bound to a name (`tf` -> `tensorflow`, `layers` -> `tensorflow.keras.layers`). */
export const PATH = '$path';

/** What expressions are evaluated against. */
export interface Scope {
  text: string;
  /** Names bound by assignments and imports. */
  env: Map<string, Json>;
  /** 1-based line of an offset. */
  lineAt(offset: number): number;
  /** Called for each call expression, in evaluation order; may return the call's value. */
  onCall(call: CallInfo): Json | undefined;
}

/** A call as the evaluator sees it. */
export interface CallInfo {
  /** Dotted path of the callee with imports resolved: `tensorflow.keras.layers.Dense`, or undefined. */
  path?: string;
  /** The value of the callee's object for method calls (`model` in `model.fit(...)`). */
  receiver?: Json;
  method?: string;
  args: Json[];
  kwargs: Obj;
  line: number;
  text: string;
}

export const python = (text: string): Json => ({ [PYTHON_EXPR]: text.length > 80 ? `${text.slice(0, 77)}...` : text });

const children = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};
const PUNCT = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '.', 'AssignOp']);
/** The meaningful children (no brackets, commas or colons). */
export const parts = (n: SyntaxNode): SyntaxNode[] => children(n).filter((c) => !PUNCT.has(c.name) && !c.type.isError);

/** A Python number literal (`60_000`, `1e-3`, `0x1F`, `255.`). */
function numberValue(text: string): Json {
  const t = text.replace(/_/g, '').toLowerCase();
  if (/^0[box]/.test(t)) return Number(t);
  if (t.endsWith('j')) return python(text);
  return Number(t);
}

/** A Python string literal's value; f-strings and byte strings are not constants. */
export function stringValue(text: string): Json {
  const m = /^([a-zA-Z]*)('''|"""|'|")([\s\S]*)\2$/.exec(text);
  if (!m) return python(text);
  const prefix = m[1].toLowerCase();
  if (prefix.includes('f') || prefix.includes('b')) return python(text);
  if (prefix.includes('r')) return m[3];
  return m[3].replace(/\\(n|t|r|\\|'|"|\n)/g, (_all, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '\n': '' }[c] ?? c));
}

/** Lezer reads `255.` as a member access with a missing name; Python reads a float. */
export function isTrailingDotFloat(n: SyntaxNode): boolean {
  const c = children(n);
  return n.name === 'MemberExpression' && c.length >= 2 && c[0].name === 'Number' && c[1].name === '.' && (c.length === 2 || (c.length === 3 && c[2].type.isError && c[2].from === c[2].to));
}

function arithmetic(op: string, a: number, b: number): Json | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '//': return Math.floor(a / b);
    case '%': return a % b;
    case '**': return a ** b;
    default: return undefined;
  }
}

/** Dotted path of a name or attribute chain, imports resolved, or undefined. */
export function pathOf(n: SyntaxNode, scope: Scope): string | undefined {
  if (n.name === 'VariableName') {
    const name = scope.text.slice(n.from, n.to);
    const bound = scope.env.get(name);
    if (isObj(bound) && typeof bound[PATH] === 'string') return bound[PATH] as string;
    return bound === undefined ? name : undefined;
  }
  if (n.name === 'MemberExpression') {
    const c = children(n);
    if (c.length === 3 && c[1].name === '.' && c[2].name === 'PropertyName') {
      const base = pathOf(c[0], scope);
      return base === undefined ? undefined : `${base}.${scope.text.slice(c[2].from, c[2].to)}`;
    }
  }
  return undefined;
}

/** Evaluates an expression node. */
export function evaluate(n: SyntaxNode, scope: Scope): Json {
  const text = scope.text.slice(n.from, n.to);
  switch (n.name) {
    case 'Number': return numberValue(text);
    case 'String': return stringValue(text);
    case 'FormatString': return python(text);
    case 'Boolean': return text === 'True';
    case 'None': return null;
    case 'ParenthesizedExpression': { const p = parts(n); return p.length === 1 ? evaluate(p[0], scope) : python(text); }
    case 'ArrayExpression': case 'TupleExpression': return listValue(n, scope, text);
    case 'DictionaryExpression': return dictValue(n, scope, text);
    case 'UnaryExpression': {
      const [op, arg] = children(n);
      const v = arg ? evaluate(arg, scope) : null;
      const o = scope.text.slice(op.from, op.to);
      return typeof v === 'number' && (o === '-' || o === '+') ? (o === '-' ? -v : v) : python(text);
    }
    case 'BinaryExpression': return binaryValue(n, scope, text);
    case 'VariableName': {
      const bound = scope.env.get(text);
      return bound === undefined ? { [PATH]: text } : bound;
    }
    case 'MemberExpression': return memberValue(n, scope, text);
    case 'CallExpression': return callValue(n, scope, text);
    default: return python(text);
  }
}

function listValue(n: SyntaxNode, scope: Scope, text: string): Json {
  const out: Json[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (PUNCT.has(c.name) || c.type.isError) continue;
    if (out.length >= MAX_LIST_ITEMS) return python(`${text.slice(0, 40)}... (a list of more than ${MAX_LIST_ITEMS.toLocaleString('en-US')} items)`);
    if (c.name === 'for' || c.name === 'ForClause' || c.name === 'star') return python(text);
    out.push(evaluate(c, scope));
  }
  return out;
}

function dictValue(n: SyntaxNode, scope: Scope, text: string): Json {
  const p = parts(n);
  if (p.length % 2) return python(text);
  const out: Obj = {};
  for (let i = 0; i < p.length; i += 2) {
    const k = evaluate(p[i], scope);
    if (typeof k !== 'string') return python(text);
    out[k] = evaluate(p[i + 1], scope);
  }
  return out;
}

function binaryValue(n: SyntaxNode, scope: Scope, text: string): Json {
  const [a, op, b] = children(n);
  if (!a || !op || !b) return python(text);
  const left = evaluate(a, scope);
  const right = evaluate(b, scope);
  const o = scope.text.slice(op.from, op.to);
  if (typeof left === 'number' && typeof right === 'number') return arithmetic(o, left, right) ?? python(text);
  if (typeof left === 'string' && typeof right === 'string' && o === '+') return left + right;
  return scope.onCall({ path: `operator${o}`, args: [left, right], kwargs: {}, line: scope.lineAt(n.from), text }) ?? python(text);
}

function memberValue(n: SyntaxNode, scope: Scope, text: string): Json {
  if (isTrailingDotFloat(n)) return numberValue(scope.text.slice(n.firstChild!.from, n.firstChild!.to));
  const c = children(n);
  if (c[1]?.name === '[') {
    // A subscript: only slices of data with constant bounds mean anything here.
    const target = evaluate(c[0], scope);
    const inner = c.slice(2, -1);
    const colon = inner.findIndex((x) => x.name === ':');
    if (colon < 0 || inner.length > 3) return python(text);
    const bound = (x: SyntaxNode | undefined): Json => (x ? evaluate(x, scope) : null);
    const start = colon > 0 ? bound(inner[0]) : null;
    const stop = inner[colon + 1] ? bound(inner[colon + 1]) : null;
    return scope.onCall({ path: 'operator[]', args: [target, start, stop], kwargs: {}, line: scope.lineAt(n.from), text }) ?? python(text);
  }
  const path = pathOf(n, scope);
  return path === undefined ? python(text) : { [PATH]: path };
}

function callValue(n: SyntaxNode, scope: Scope, text: string): Json {
  const callee = n.firstChild!;
  const argList = n.lastChild;
  const args: Json[] = [];
  const kwargs: Obj = {};
  if (argList?.name === 'ArgList') {
    const p = children(argList).filter((c) => !['(', ')', ','].includes(c.name) && !c.type.isError);
    for (let i = 0; i < p.length; i++) {
      if (p[i].name === 'VariableName' && p[i + 1]?.name === 'AssignOp' && p[i + 2]) {
        kwargs[scope.text.slice(p[i].from, p[i].to)] = evaluate(p[i + 2], scope);
        i += 2;
      } else args.push(evaluate(p[i], scope));
    }
  }
  const info: CallInfo = { args, kwargs, line: scope.lineAt(n.from), text };
  const path = pathOf(callee, scope);
  if (path !== undefined) info.path = path;
  else if (callee.name === 'MemberExpression') {
    const c = children(callee);
    if (c.length === 3 && c[2].name === 'PropertyName') {
      info.receiver = evaluate(c[0], scope);
      info.method = scope.text.slice(c[2].from, c[2].to);
    }
  }
  return scope.onCall(info) ?? python(text);
}
