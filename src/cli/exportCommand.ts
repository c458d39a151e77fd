/**
 * `modelspec export`: a spec's initialized model or a run's trained one as a TensorFlow.js
 * folder, a Keras `.keras` or `.h5` file, or a Keras training script.
 */
import * as path from 'path';
import type { ResolvedSpec } from '../core/resolve';
import { toKerasScript, type Distribute } from '../core/keras/toKerasScript';
import { writeFileAtomic } from '../core/atomicWrite';
import { EXPORT_TARGETS, checkExportTarget, writeFailure, type ExportFormat } from '../core/exportTarget';
import { UsageError, type Parsed } from './args';
import type { Command, Io } from './command';

/** What main.ts lends the command: reading and resolving a spec, and its exit errors. */
export interface SpecInput {
  readSpec(file: string | undefined): { file: string; text: string };
  resolveOrExit(file: string, text: string, variant: string | undefined): { spec: ResolvedSpec; variants: string[] };
  /** An error main() prints as `modelspec export: <message>` before exiting with `code`. */
  exit(message: string, code: number): Error;
}

type Format = ExportFormat;
const FORMATS: readonly Format[] = ['keras', 'h5', 'tfjs', 'keras-script'];
const DISTRIBUTE: readonly Distribute[] = ['none', 'mirrored', 'multiworker'];
const TARGETS = EXPORT_TARGETS;

/**
 * Why `out` cannot take `format`'s output, or undefined when it can (see checkExportTarget);
 * an existing target is replaced only with --force.
 */
export function outPathProblem(out: string, format: Format, force: boolean): string | undefined {
  const check = checkExportTarget(out, format, '--out');
  if (!check.ok) return check.problem;
  return check.replaces && !force ? `${out} already exists; add --force to replace it.` : undefined;
}

function flagOf<T extends string>(a: Parsed, name: string, values: readonly T[], fallback: T): T {
  const v = (a.values.get(name) ?? fallback) as T;
  if (!values.includes(v)) throw new UsageError(`--${name} must be one of ${values.join(', ')}, got "${v}".`);
  return v;
}

const shown = (f: string): string => (path.relative(process.cwd(), f).startsWith('..') ? f : path.relative(process.cwd(), f));

/** The `export` command, built on main.ts's spec reading. */
export function exportCommand(input: SpecInput): Command {
  return {
    usage: 'modelspec export <spec> --format keras|h5|tfjs|keras-script --out FILE|DIR [--variant NAME] [--distribute none|mirrored|multiworker] [--force]\n       modelspec export --run <run dir> --format keras|h5|tfjs --out FILE|DIR [--force]',
    help: [
      'Writes a model: keras (a Keras 3 .keras file), h5 (a legacy Keras .h5 file), tfjs (a TensorFlow.js layers',
      'folder: model.json + weights.bin, the default), or keras-script (a Keras 3 training script reproducing the spec;',
      '--distribute wraps the model in a tf.distribute MirroredStrategy or MultiWorkerMirroredStrategy).',
      'With a spec: the initialized model, its weights drawn with the Keras initializers and the spec seed.',
      'With --run: the trained model of a run folder made by "modelspec train".',
      'An existing --out is replaced only with --force, and never when it holds another kind of file.',
    ].join('\n'),
    flags: { values: ['format', 'out', 'variant', 'run', 'distribute'], booleans: ['force'] },
    run: (a, io) => runExport(input, a, io),
  };
}

async function runExport(input: SpecInput, a: Parsed, io: Io): Promise<number> {
  const format = flagOf(a, 'format', FORMATS, 'tfjs');
  const distribute = flagOf(a, 'distribute', DISTRIBUTE, 'none');
  if (distribute !== 'none' && format !== 'keras-script') throw new UsageError('--distribute applies to --format keras-script only.');
  const out = a.values.get('out');
  if (!out) throw new UsageError(`Missing --out ${format === 'tfjs' ? 'DIR: the folder to write model.json and weights.bin into' : `FILE: the file to write, e.g. ${TARGETS[format].example}`}.`);
  const runDir = a.values.get('run');
  if (runDir !== undefined) {
    if (a.positionals.length || a.values.has('variant')) throw new UsageError('Give either a spec or --run <run dir>, not both: a run already has its variant.');
    if (format === 'keras-script') throw new UsageError('--format keras-script exports a spec, not a run: give the spec file.');
  }
  // The source first, so a bad spec or run is reported as such whatever --out is.
  const source = runDir === undefined ? input.readSpec(a.positionals[0]) : undefined;
  const spec = source && input.resolveOrExit(source.file, source.text, a.values.get('variant')).spec;
  if (spec && format === 'keras-script' && !spec.data) throw input.exit('The spec has no "data" section, so the script would have nothing to train on. Add e.g. "data": { "dataset": "mnist", "scale": 255 }.', 1);
  const { exportTrained, exportInitialized, runHasModel } = await import('../trainer/exportModel');
  if (runDir !== undefined && !runHasModel(path.resolve(runDir))) {
    throw input.exit(`${runDir} has no trained model (model/model.json): is it a run folder made by "modelspec train", and did the run finish?`, 2);
  }
  const problem = outPathProblem(out, format, a.booleans.has('force'));
  if (problem) throw input.exit(problem, 2);
  let written: string[];
  try {
    if (format === 'keras-script') {
      // Data paths in the spec are relative to it; the script finds them relative to itself.
      const specDir = path.relative(path.dirname(path.resolve(out)), path.dirname(path.resolve((source as { file: string }).file))) || '.';
      writeFileAtomic(path.resolve(out), toKerasScript(spec as ResolvedSpec, { distribute, specDir }));
      written = [path.resolve(out)];
    } else if (spec) {
      written = await exportInitialized(spec, out, format, path.dirname(path.resolve((source as { file: string }).file)));
    } else {
      written = await exportTrained(path.resolve(runDir as string), path.resolve(out), format);
    }
  } catch (e) {
    // File-system failures name the path; anything else (a model TensorFlow.js cannot build) is its own message.
    if (!(e as NodeJS.ErrnoException).code) throw e;
    throw input.exit(writeFailure(out, e), 2);
  }
  const from = spec ? `${spec.totalParams.toLocaleString('en-US')} params${spec.variant ? `, variant "${spec.variant}"` : ''}` : `trained, from ${runDir}`;
  io.out(`Wrote ${written.map(shown).join(' and ')} (${format === 'keras-script' ? 'Keras 3 script' : from}).\n`);
  return 0;
}
