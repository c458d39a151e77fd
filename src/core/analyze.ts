/**
 * The core's entry point for a spec's text: parse with offsets, check structure, infer the
 * model, and check every variant. Never throws on any input: problems are diagnostics.
 */
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { Code, dedupe, type Diagnostic } from './diagnostics';
import { Reporter, checkFields } from './checkStructure';
import { properties } from './jsonTree';
import { analyzeModel, type ModelInfo } from './model';
import { mergePatchNodes } from './mergePatch';
import { SPEC_FIELDS } from './specFields';

export interface VariantInfo {
  name: string;
  /** The variant's object node in `variants`. */
  node: Node;
  /** The spec with this variant's patch merged in. */
  root: Node;
  model: ModelInfo;
}

export interface Analysis {
  text: string;
  root?: Node;
  diagnostics: Diagnostic[];
  /** The model of the spec without variants. */
  model: ModelInfo;
  variants: VariantInfo[];
}

const EMPTY_MODEL: ModelInfo = { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0, complete: false };

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  CommaExpected: 'Add a comma between the items.',
  ColonExpected: 'Add a colon between the key and its value.',
  PropertyNameExpected: 'Property names must be strings in double quotes.',
  ValueExpected: 'A value is missing here.',
  CloseBraceExpected: 'An object is not closed: add "}".',
  CloseBracketExpected: 'A list is not closed: add "]".',
  EndOfFileExpected: 'There is text after the end of the spec.',
  InvalidSymbol: 'This is not JSON: strings need double quotes.',
  UnexpectedEndOfString: 'A string is not closed: add the closing quote.',
};

/** Analyzes a spec's text. */
export function analyze(text: string): Analysis {
  try {
    return analyzeUnsafe(text);
  } catch (e) {
    // A bug must not take the editor or CLI down: report it as a diagnostic instead.
    return {
      text, model: EMPTY_MODEL, variants: [],
      diagnostics: [{ severity: 'error', code: Code.SyntaxError, message: `Internal error while checking the spec: ${(e as Error).message}`, path: [], offset: 0, length: 0 }],
    };
  }
}

/** jsonc-parser and the checks recurse per nesting level; deeper input is refused up front. */
export const MAX_NESTING = 500;

/** The deepest nesting of `[` and `{` outside strings and comments, and where it first passes `limit`. */
function nestingBeyond(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34 && text.charCodeAt(i) !== 10; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

function analyzeUnsafe(text: string): Analysis {
  // A UTF-8 byte order mark is accepted, as VS Code does; a space keeps every offset.
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const deep = nestingBeyond(source, MAX_NESTING);
  if (deep !== undefined) {
    return {
      text, model: EMPTY_MODEL, variants: [],
      diagnostics: [{ severity: 'error', code: Code.SyntaxError, message: `The spec is nested more than ${MAX_NESTING} levels deep here; a model spec never needs that. Remove the extra brackets.`, path: [], offset: deep, length: 1 }],
    };
  }
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, { allowTrailingComma: true, disallowComments: false });
  const r = new Reporter();
  for (const e of errors) {
    const name = printParseErrorCode(e.error);
    r.report('error', Code.SyntaxError, { offset: e.offset, length: Math.max(e.length, 1) }, [], `Syntax error: ${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}. ${SYNTAX_HINTS[name] ?? ''}`.trim());
  }
  if (!root || root.type !== 'object') {
    if (!errors.length || root) {
      const at = root ?? { offset: 0, length: Math.min(text.length, 1) };
      r.report('error', Code.InvalidRoot, at, [], 'A model spec is a JSON object: { "layers": [...], "compile": {...}, ... }. Start from "Model Spec: New Model Spec" or an example.');
    }
    return { text, root, diagnostics: clamp(r.diagnostics, text.length).sort((a, b) => a.offset - b.offset), model: EMPTY_MODEL, variants: [] };
  }
  checkFields(root, SPEC_FIELDS, [], { r, patch: false }, 'the spec');
  const model = analyzeModel(root, r);

  const variants: VariantInfo[] = [];
  const variantsNode = properties(root).get('variants')?.value;
  const base = new Set(r.diagnostics.map(key));
  const extra: Diagnostic[] = [];
  for (const node of variantsNode?.type === 'array' ? variantsNode.children ?? [] : []) {
    const nameNode = properties(node).get('name')?.value;
    if (node.type !== 'object' || nameNode?.type !== 'string') continue;
    const name = String(nameNode.value);
    // The variant's `name` names the variant, not the spec; the merged spec has no variants.
    const patched = mergePatchNodes(root, node, new Set(['name']));
    const merged: Node = { ...patched, children: (patched.children ?? []).filter((p) => p.children?.[0]?.value !== 'variants') };
    const vr = new Reporter(r);
    // A patch may delete what the spec requires (`"compile": null`): check the merged spec's shape too.
    checkFields(merged, SPEC_FIELDS, [], { r: vr, patch: false }, 'the spec');
    const vmodel = analyzeModel(merged, vr);
    variants.push({ name, node, root: merged, model: vmodel });
    for (const d of vr.diagnostics) {
      if (!base.has(key(d))) extra.push({ ...d, variant: name, message: `Variant "${name}": ${d.message}` });
    }
  }
  const diagnostics = clamp(dedupe([...r.diagnostics, ...extra]), text.length).sort((a, b) => a.offset - b.offset);
  return { text, root, diagnostics, model, variants };
}

/** Keeps ranges inside the text (an unterminated comment at the end makes jsonc-parser overshoot by one). */
function clamp(diags: Diagnostic[], length: number): Diagnostic[] {
  return diags.map((d) => {
    const offset = Math.min(d.offset, length);
    return { ...d, offset, length: Math.max(0, Math.min(d.length, length - offset)) };
  });
}

const key = (d: Diagnostic): string => `${d.code}|${d.offset}|${d.length}|${d.message}`;

/** True when any diagnostic is an error. */
export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}
