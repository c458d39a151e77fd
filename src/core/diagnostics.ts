/** Diagnostics: every problem the core finds, with a stable code and an exact offset range. */

/** Stable diagnostic codes. Editors, the CLI's `--json` and tests key on these. */
export enum Code {
  SyntaxError = 'syntax-error',
  InvalidRoot = 'invalid-root',
  UnknownKey = 'unknown-key',
  MissingKey = 'missing-key',
  DuplicateKey = 'duplicate-key',
  WrongType = 'wrong-type',
  OutOfRange = 'out-of-range',
  UnknownName = 'unknown-name',
  UnknownLayerType = 'unknown-layer-type',
  ConflictingKeys = 'conflicting-keys',
  DuplicateName = 'duplicate-name',
  MissingInputShape = 'missing-input-shape',
  IgnoredInputShape = 'ignored-input-shape',
  ShapeError = 'shape-error',
  InputShapeMismatch = 'input-shape-mismatch',
  OutputMismatch = 'output-mismatch',
  OutputActivation = 'output-activation',
  SoftmaxBinaryCrossentropy = 'softmax-binary-crossentropy',
  ModelTooLarge = 'model-too-large',
  UnknownMonitor = 'unknown-monitor',
  NoValidationData = 'no-validation-data',
  PathOutsideRun = 'path-outside-run',
  KerasFileFormat = 'keras-file-format',
  /** The `initial_weights` file is missing, unreadable, or does not fit the layers. */
  InitialWeights = 'initial-weights',
  SeluInitializer = 'selu-initializer',
  HeInitializerSaturating = 'he-initializer-saturating',
  DeepSigmoid = 'deep-sigmoid',
  MissingArguments = 'missing-arguments',
  InvalidSchedule = 'invalid-schedule',
  ScheduledLearningRate = 'scheduled-learning-rate',
  InvalidPathTemplate = 'invalid-path-template',
  UnknownTemplateField = 'unknown-template-field',
  PathIsFolder = 'path-is-folder',
  ReservedRunPath = 'reserved-run-path',
  InvalidLayerName = 'invalid-layer-name',
  MetricMismatch = 'metric-mismatch',
  /** The engine setting (modelSpec.training.engine) cannot train the spec: tfjs with AdamW or Nadam, kernel with a model it does not fit. */
  EngineSetting = 'engine-setting',
  /** A file the `data` section names is missing or not a regular file. */
  DataFile = 'data-file',
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A JSON path: property names and array indices from the root. */
export type JsonPath = (string | number)[];

export interface Diagnostic {
  severity: Severity;
  code: Code;
  message: string;
  path: JsonPath;
  /** Offset and length of the offending JSON node in the text. */
  offset: number;
  length: number;
  /** For "did you mean" quick fixes: the text that should replace the range's value. */
  suggestion?: string;
  /** Set when the problem only appears in one variant. */
  variant?: string;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Turns offsets into 0-based line/character positions; build once per text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) this.starts.push(i + 1);
      else if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  positionAt(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  rangeOf(offset: number, length: number): Range {
    return { start: this.positionAt(offset), end: this.positionAt(offset + length) };
  }
}

/** Keeps only the first of diagnostics that share code, range and message. */
export function dedupe(diags: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = `${d.code}|${d.offset}|${d.length}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `file:line:col: severity [code] message`, the format editors and terminals link. */
export function formatDiagnostic(file: string, lines: LineIndex, d: Diagnostic): string {
  const p = lines.positionAt(d.offset);
  return `${file}:${p.line + 1}:${p.character + 1}: ${d.severity} [${d.code}] ${d.message}\n`;
}

/** A spec's default name from its file name: `mnist.model.json` -> `mnist`. */
export function specNameFromFile(basename: string): string {
  return basename.replace(/\.model\.json$|\.json$/, '');
}
