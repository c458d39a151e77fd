/**
 * `modelspec`: the command-line face of the core. Same analysis, summary and trainer as the
 * extension. Exit codes: 0 success, 1 the spec has errors (or the command failed), 2 usage or
 * unreadable files.
 */
import { readTextFile } from '../core/runFiles';
import * as path from 'path';
import { analyze } from '../core/analyze';
import { checkInitialWeights } from '../core/keras/initialWeightsCheck';
import { checkDataFiles } from '../core/data/dataFilesCheck';
import { specNameFromFile, formatDiagnostic, LineIndex, type Diagnostic } from '../core/diagnostics';
import { resolveSpec, variantNames, type ResolvedSpec } from '../core/resolve';
import { summaryJson, summaryText } from '../core/summary';
import { parseArgs, UsageError } from './args';
import type { Command, Io } from './command';
import { evaluate } from './evaluateCommand';
import { health } from './healthCommand';
import { importCommand } from './importCommand';
import { exportCommand } from './exportCommand';
import { terminalText } from './terminalText';
import { train } from './trainCommand';

export type { Command, Io } from './command';

let io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), isTTY: process.stdout.isTTY === true };

class ExitError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

function readSpec(file: string | undefined): { file: string; text: string } {
  if (!file) throw new UsageError('Missing the spec file.');
  try {
    return { file, text: readTextFile(file) };
  } catch (e) {
    // Missing, a folder, a FIFO (which would block), too large: the message says which.
    throw new ExitError((e as Error).message, 2);
  }
}


function countLine(diags: readonly Diagnostic[]): string {
  const n = (s: string): number => diags.filter((d) => d.severity === s).length;
  const e = n('error');
  const w = n('warning');
  return `${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}`;
}

/** Resolves the spec (or a variant) or exits 1 with its diagnostics on stderr. */
function resolveOrExit(file: string, text: string, variant: string | undefined): { spec: ResolvedSpec; variants: string[] } {
  const analysis = analyze(text);
  const result = resolveSpec(analysis, variant, specNameFromFile(path.basename(file)));
  if (!result.ok) {
    const lines = new LineIndex(text);
    for (const d of result.diagnostics.filter((x) => x.severity === 'error')) io.err(formatDiagnostic(file, lines, d));
    throw new ExitError(result.message, 1);
  }
  return { spec: result.spec, variants: variantNames(analysis) };
}

const COMMANDS: Record<string, Command> = {
  validate: {
    usage: 'modelspec validate <spec> [--json]',
    help: 'Checks a spec: syntax, keys, types, names, shapes, memory and Keras advice.\nExit 0 without errors, 1 with errors, 2 for usage or unreadable files.\n--json prints {"diagnostics":[{severity, code, message, path, range}]} with 0-based lines.',
    flags: { values: [], booleans: ['json'] },
    async run(a) {
      const { file, text } = readSpec(a.positionals[0]);
      const analysis = analyze(text);
      const diagnostics = [...analysis.diagnostics, ...checkDataFiles(analysis, file), ...await checkInitialWeights(analysis, file)];
      const lines = new LineIndex(text);
      if (a.booleans.has('json')) {
        const out = diagnostics.map((d) => ({
          severity: d.severity, code: d.code, message: d.message, path: d.path, range: lines.rangeOf(d.offset, d.length),
          ...(d.variant === undefined ? {} : { variant: d.variant }),
          ...(d.suggestion === undefined ? {} : { suggestion: d.suggestion }),
        }));
        io.out(JSON.stringify({ diagnostics: out }, null, 2) + '\n');
      } else {
        for (const d of diagnostics) io.out(formatDiagnostic(file, lines, d));
        io.out(`${file}: ${countLine(diagnostics)}\n`);
      }
      return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    },
  },
  summary: {
    usage: 'modelspec summary <spec> [--variant NAME] [--json]',
    help: 'Prints the Keras model.summary() table: layers, output shapes, parameter counts.\n--json prints {name, layers:[{name, type, outputShape, params, trainableParams}], totalParams, trainableParams, nonTrainableParams}.',
    flags: { values: ['variant'], booleans: ['json'] },
    async run(a) {
      const { file, text } = readSpec(a.positionals[0]);
      const { spec, variants } = resolveOrExit(file, text, a.values.get('variant'));
      if (a.booleans.has('json')) {
        io.out(JSON.stringify({ ...summaryJson(spec), ...(variants.length ? { variants } : {}) }, null, 2) + '\n');
      } else {
        io.out(summaryText(spec));
        if (variants.length && spec.variant === undefined) {
          io.out(`\nVariants: ${variants.join(', ')} (--variant NAME shows one)\n`);
        }
      }
      return 0;
    },
  },
  export: exportCommand({ readSpec, resolveOrExit, exit: (message, code) => new ExitError(message, code) }),
  evaluate,
  train,
  health,
  import: importCommand,
};

function mainHelp(): string {
  return [
    'modelspec: design, check and train Keras-style models from a JSONC model spec.',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'Run "modelspec <command> --help" for details.',
    '',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], ioOverride?: Io): Promise<number> {
  const target = ioOverride ?? io;
  io = { ...target, out: (s) => target.out(terminalText(s)), err: (s) => target.err(terminalText(s)) };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`modelspec: unknown command "${name}".\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${cmd.usage}\n\n${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(parseArgs(rest, cmd.flags), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`modelspec ${name}: ${e.message}\nUsage: ${cmd.usage}\n`);
      return 2;
    }
    if (e instanceof ExitError) {
      io.err(`modelspec ${name}: ${e.message}\n`);
      return e.code;
    }
    io.err(`modelspec ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Sets the exit code and exits only after stdout and stderr drain: exiting at once would cut
 * piped output at the pipe's buffer (64 KiB), e.g. `summary --json | slow-reader`.
 */
async function finish(code: number): Promise<void> {
  process.exitCode = code;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit();
}

if (require.main === module) {
  main(process.argv.slice(2)).then(finish, (e) => {
    process.stderr.write(`modelspec: ${(e as Error).message ?? e}\n`);
    return finish(1);
  });
}
