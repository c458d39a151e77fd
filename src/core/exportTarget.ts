/**
 * Where an export may be written: the extension its format needs, a folder that exists and is
 * writable, and an existing target only when it is of the same kind (never another kind of
 * file). `modelspec export` and the panel's Export to Keras... ask the same questions; each
 * asks for confirmation of a replacement its own way (--force, a dialog).
 */
import * as fs from 'fs';
import * as path from 'path';

/** What `modelspec export` writes. */
export type ExportFormat = 'keras' | 'h5' | 'tfjs' | 'keras-script';

/** How each format's target looks on disk: the extension it needs, and how to recognise an existing one. */
export const EXPORT_TARGETS: Record<ExportFormat, { what: string; ext?: RegExp; example: string; sniff: (p: string) => boolean }> = {
  keras: { what: 'a .keras file', ext: /\.keras$/i, example: 'model.keras', sniff: (p) => startsWith(p, [0x50, 0x4b, 0x03, 0x04]) },
  h5: { what: 'an .h5 file', ext: /\.(h5|hdf5)$/i, example: 'model.h5', sniff: (p) => startsWith(p, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) },
  'keras-script': { what: 'a Python script', ext: /\.py$/i, example: 'train.py', sniff: () => true },
  tfjs: { what: 'a folder', example: 'exported-model', sniff: (p) => fs.existsSync(path.join(p, 'model.json')) || fs.readdirSync(p).length === 0 },
};

function startsWith(file: string, magic: number[]): boolean {
  const buf = Buffer.alloc(magic.length);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, buf, 0, magic.length, 0) === magic.length && magic.every((b, i) => buf[i] === b);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `out` can take `format`'s output: `problem` says why not; `replaces` when it exists (and is of the same kind). */
export type TargetCheck = { ok: true; replaces: boolean } | { ok: false; problem: string };

/**
 * Checks `out` for `format`: a wrong extension, a folder where a file is wanted (or the
 * reverse), a missing or read-only parent, or an existing file of another kind. `field` names
 * what the user gave the path in (`--out`, or undefined for a file picked in a dialog).
 */
export function checkExportTarget(out: string, format: ExportFormat, field?: string): TargetCheck {
  const t = EXPORT_TARGETS[format];
  const another = field ? `Choose another ${field}.` : 'Choose another file.';
  const fail = (problem: string): TargetCheck => ({ ok: false, problem });
  if (t.ext && !t.ext.test(out)) {
    const ext = t.example.slice(t.example.indexOf('.'));
    return fail(field ? `--format ${format} writes ${t.what}, so ${field} must end in ${ext} (e.g. ${t.example}), got "${out}".` : `${t.what.replace(/^an? /, 'A ')} must end in ${ext}, got "${path.basename(out)}".`);
  }
  const parent = path.dirname(path.resolve(out));
  const parentStat = fs.statSync(parent, { throwIfNoEntry: false });
  if (!parentStat) return fail(`Cannot write ${out}: the folder ${parent} does not exist. Create it first, or ${another.toLowerCase()}`);
  if (!parentStat.isDirectory()) return fail(`Cannot write ${out}: ${parent} is a file, not a folder.`);
  try {
    fs.accessSync(parent, fs.constants.W_OK);
  } catch {
    return fail(`Cannot write ${out}: the folder ${parent} is read-only (no write permission). ${another}`);
  }
  const stat = fs.statSync(out, { throwIfNoEntry: false });
  if (!stat) return { ok: true, replaces: false };
  const wantsFolder = format === 'tfjs';
  if (stat.isDirectory() !== wantsFolder) {
    return fail(wantsFolder
      ? `${out} is a file; --format tfjs writes a folder (model.json + weights.bin). Give a folder path.`
      : `${out} is a folder; ${field ? `--format ${format} writes` : 'the export is'} ${t.what}. Give a file path such as ${path.join(out, t.example)}.`);
  }
  if (!t.sniff(out)) return fail(`${out} exists and is not ${format === 'tfjs' ? 'an empty folder or a TensorFlow.js model folder' : t.what.replace(/^an? /, 'a Keras ')}; not replacing it. ${another}`);
  return { ok: true, replaces: !(wantsFolder && fs.readdirSync(out).length === 0) };
}

/** The file a run's Keras export is offered as: beside the run folder, named after it (`<runs>/<spec>/<run>.keras`). */
export function defaultRunExportPath(runDir: string, format: 'keras' | 'h5'): string {
  const dir = path.resolve(runDir);
  return path.join(path.dirname(dir), `${path.basename(dir)}.${format}`);
}

/** A failed write of `out` as a sentence, without Node's error codes. */
export function writeFailure(out: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `Cannot write ${out}: permission denied (the place is read-only).`;
  if (code === 'ENOSPC') return `Cannot write ${out}: the disk is full.`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `Cannot write ${out}: its folder does not exist.`;
  return `Cannot write ${out}: ${(e as Error).message}`;
}
