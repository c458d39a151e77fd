/**
 * Whether the files a spec's `data` section names exist, as diagnostics on their values: what
 * `modelspec validate` and the editor report before training would stop on a missing file. Only
 * existence and kind (a regular file) are checked here; the loader checks the contents.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Node } from 'jsonc-parser';
import type { Analysis } from '../analyze';
import { Code, type Diagnostic, type JsonPath } from '../diagnostics';
import { properties } from '../jsonTree';

/** The path-valued keys of a data section and of its train / test / validation sources. */
const SECTION_FILES = ['npz'];
const SOURCE_FILES = ['x', 'y', 'csv'];

/** Each string path in `data` (the spec's, and each variant's), with its node and JSON path. */
function dataPaths(root: Node): { node: Node; path: JsonPath }[] {
  const out: { node: Node; path: JsonPath }[] = [];
  const section = (data: Node | undefined, at: JsonPath): void => {
    const props = properties(data);
    for (const key of SECTION_FILES) {
      const v = props.get(key)?.value;
      if (v?.type === 'string') out.push({ node: v, path: [...at, key] });
    }
    for (const split of ['train', 'test', 'validation']) {
      const source = properties(props.get(split)?.value);
      for (const key of SOURCE_FILES) {
        const v = source.get(key)?.value;
        if (v?.type === 'string') out.push({ node: v, path: [...at, split, key] });
      }
    }
  };
  const top = properties(root);
  section(top.get('data')?.value, ['data']);
  (top.get('variants')?.value?.children ?? []).forEach((v, i) => section(properties(v).get('data')?.value, ['variants', i, 'data']));
  return out;
}

/** A missing or non-regular data file, for each path the data sections name (relative to the spec's folder). */
export function checkDataFiles(analysis: Analysis, specPath: string): Diagnostic[] {
  if (!analysis.root) return [];
  const dir = path.dirname(specPath);
  const out: Diagnostic[] = [];
  for (const { node, path: at } of dataPaths(analysis.root)) {
    const value = String(node.value);
    if (!value) continue;
    const file = path.resolve(dir, value);
    let problem: string | undefined;
    try {
      if (!fs.statSync(file).isFile()) problem = 'is not a regular file';
    } catch {
      problem = 'does not exist';
    }
    if (problem) {
      out.push({
        severity: 'error', code: Code.DataFile, path: at, offset: node.offset, length: node.length,
        message: `${value} ${problem} (looked for ${file}; data paths are relative to the spec's folder). Fix the path, or put the file there.`,
      });
    }
  }
  return out;
}
