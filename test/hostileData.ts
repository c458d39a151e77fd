/** Hostile-input tests' shared parts (issue 14): what must never reach a user, and a small real dataset. */
import * as assert from 'assert';

/** Internal error text: JavaScript's own messages, raw errno codes, and stack frames. */
export const INTERNAL_TEXT: readonly RegExp[] = [
  /Cannot read propert/, /is not a function/, /is not iterable/, /undefined is not/, /of undefined/, /of null\b/,
  /\bE(ISDIR|EXIST|NOENT|NOTDIR|ACCES)\b/, /^\s{4}at /m, /\[object Object\]/,
];

/** Fails when `text` holds internal error text. */
export function assertNoInternalText(text: string, what = 'message'): void {
  for (const re of INTERNAL_TEXT) assert.doesNotMatch(text, re, `${what} holds internal text (${re}):\n${text}`);
}

/** A 3-class CSV with 4 features per row, class k around k. */
export function csvRows(n: number, seed = 1): string {
  let s = seed;
  const rand = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  const rows = ['a,b,c,d,label'];
  for (let i = 0; i < n; i++) rows.push([0, 1, 2, 3].map(() => (rand() + (i % 3)).toFixed(3)).join(',') + `,${i % 3}`);
  return rows.join('\n') + '\n';
}

/** A small Dense classifier on `train.csv` and `test.csv` beside the spec. */
export function csvSpec(extra = ''): string {
  return `{
  "name": "tiny", "seed": 3,
  "data": { "train": { "csv": "train.csv", "label_column": "label" }, "test": { "csv": "test.csv", "label_column": "label" }, "validation": { "split": 0.2 } },
  "layers": [ { "type": "Dense", "units": 8, "activation": "relu", "input_shape": [4] }, { "type": "Dense", "units": 3, "activation": "softmax" } ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "Adam", "metrics": ["accuracy"] },
  "fit": { "epochs": 1, "batch_size": 16 }${extra}
}`;
}
