/** `modelspec import <file>`: a spec from a Keras file, config, script or notebook. */
import * as fs from 'fs';
import { writeFileAtomic } from '../core/atomicWrite';
import { IMPORT_EXTENSIONS, ImportFileError, defaultSpecPath, importFile } from '../core/keras/importFile';
import { UsageError } from './args';
import type { Command } from './command';

export const importCommand: Command = {
  usage: 'modelspec import <file> [--out SPEC] [--force]',
  help: [
    `Writes a model spec from a Keras model: ${IMPORT_EXTENSIONS.join(', ')} (a .keras or .h5 model, a model.to_json() file,`,
    'a Python script or a Jupyter notebook). Several models in one notebook become variants of one spec.',
    'Weights in a .keras/.h5 file become the spec\'s "initial_weights". What cannot be mapped is listed as',
    'file:line: message and left out. --out defaults to <file name>.model.json beside the source; an existing',
    'spec is replaced only with --force. Exit 0 when the spec validates, 1 when it has errors (written in it as comments).',
  ].join('\n'),
  flags: { values: ['out'], booleans: ['force'] },
  async run(a, io) {
    const source = a.positionals[0];
    if (!source) throw new UsageError('Missing the file to import.');
    if (a.positionals.length > 1) throw new UsageError(`Import one file at a time (got ${a.positionals.length}).`);
    const out = a.values.get('out') ?? defaultSpecPath(source);
    if (!out.endsWith('.json')) throw new UsageError(`--out must name a .model.json spec file, got "${out}".`);
    if (fs.existsSync(out) && !a.booleans.has('force')) {
      io.err(`modelspec import: ${out} already exists; add --force to replace it.\n`);
      return 2;
    }
    let imported;
    try {
      imported = await importFile(source, out);
    } catch (e) {
      if (e instanceof ImportFileError) {
        io.err(`modelspec import: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    for (const p of imported.problems) io.err(`${p}\n`);
    try {
      writeFileAtomic(out, imported.text);
    } catch (e) {
      io.err(`modelspec import: cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).\n`);
      return 2;
    }
    const what = imported.models > 1 ? `${imported.models} models as variants` : 'the model';
    const lost = imported.problems.filter((p) => !/: note: /.test(p)).length;
    const left = lost ? `; ${lost} thing${lost === 1 ? '' : 's'} left out (listed above)` : '';
    const weights = imported.weights ? '; initial weights from the source' : '';
    io.out(`Wrote ${out} (${what}${weights}${left}).\n`);
    if (imported.errors || imported.warnings) {
      io.out(`The spec has ${imported.errors} error(s) and ${imported.warnings} warning(s), written as comments at its top:\n${imported.diagnostics.map((d) => `  ${d}\n`).join('')}`);
    }
    return imported.errors ? 1 : 0;
  },
};
