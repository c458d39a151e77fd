/**
 * The files and folders the trainer writes into every run folder. They are reserved: a callback
 * path naming one (or a path inside one) would overwrite the run's own record, so validation
 * refuses it and the trainer names its files from this one list.
 */
import * as fs from 'fs';
import * as os from 'os';

/** The run's spec as resolved, the Keras summary, the epoch history, the event log and the outcome. */
export const RUN_FILES = {
  spec: 'spec.json',
  summary: 'summary.txt',
  history: 'history.csv',
  events: 'events.jsonl',
  health: 'health.jsonl',
  result: 'result.json',
} as const;

/** Folders the trainer writes: the final model. */
export const RUN_FOLDERS = {
  model: 'model',
} as const;

/** Every reserved name, in lower case (file systems on macOS and Windows ignore case). */
export const RESERVED_RUN_NAMES: readonly string[] = [...Object.values(RUN_FILES), ...Object.values(RUN_FOLDERS)];

/** Most bytes a run's JSON file may hold; a trainer's result.json (1,000 classes, 24 images) is far smaller. */
export const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;

/** Why a file could not be read (`invalid`: it was read, but holds something else than expected). */
export type FileProblem = 'missing' | 'folder' | 'special' | 'tooLarge' | 'unreadable' | 'invalid';

/** A run folder whose files are missing or are not what the trainer writes: the message says which and what to do. */
export class RunFileError extends Error {
  constructor(message: string, readonly problem: FileProblem = 'invalid') {
    super(message);
    this.name = 'RunFileError';
  }

  get missing(): boolean {
    return this.problem === 'missing';
  }
}

/** The reason in words, as `Cannot read <file>: <reason>.` ends. */
const PROBLEM_TEXT: Record<Exclude<FileProblem, 'invalid' | 'unreadable'>, string> = {
  missing: 'no such file',
  folder: 'it is a folder',
  special: 'it is not a regular file (a FIFO, device or socket), so it is not read',
  tooLarge: `it is larger than the ${MAX_RUN_FILE_BYTES / 1024 / 1024} MiB such a file may hold`,
};

/**
 * Reads a run file (or a spec) as text: only a regular file (a FIFO or device in its place
 * would block or never end) of at most {@link MAX_RUN_FILE_BYTES}. Throws a RunFileError
 * `Cannot read <file>: <reason>.`, whose `problem` says which.
 */
export function readTextFile(file: string): string {
  const fail = (problem: Exclude<FileProblem, 'invalid'>, why?: string): never => {
    throw new RunFileError(`Cannot read ${file}: ${why ?? PROBLEM_TEXT[problem as keyof typeof PROBLEM_TEXT]}.`, problem);
  };
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; fstat then refuses it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('missing');
    if (code === 'EISDIR') return fail('folder');
    return fail('unreadable', code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'the system refused to open it');
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return fail('folder');
    if (!st.isFile()) return fail('special');
    if (st.size > MAX_RUN_FILE_BYTES) return fail('tooLarge');
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** How a run ended, as `result.json` says, or `interrupted`: still marked running, but no trainer process is behind it. */
export type RunFolderStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

/** The statuses `result.json` may hold. */
export const RECORDED_STATUSES: readonly string[] = ['running', 'completed', 'cancelled', 'failed'];

/** What is known about processes here: this machine's name and whether a process id is alive on it. */
export interface ProcessProbe {
  hostname: string;
  alive(pid: number): boolean;
}

/** Whether process `pid` exists on this machine (`kill(pid, 0)` sends nothing; EPERM: it exists, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This machine, for {@link runFolderStatus}. */
export const THIS_MACHINE: ProcessProbe = { hostname: os.hostname(), alive: processAlive };

/**
 * The status to show for a run: `running` in `result.json` is believed only while the trainer
 * that wrote it (its `pid` and `hostname` there) is alive. A run recorded on another machine
 * cannot be checked and stays `running`; one without a pid (from before pids were recorded, or
 * a torn file) is `interrupted`. A reused pid makes a dead run look alive: rare, and harmless
 * (the run shows as running until that process ends).
 */
export function runFolderStatus(result: { status: unknown; pid?: unknown; hostname?: unknown }, probe: ProcessProbe): RunFolderStatus {
  const status = typeof result.status === 'string' && RECORDED_STATUSES.includes(result.status) ? (result.status as RunFolderStatus) : 'failed';
  if (status !== 'running') return status;
  const pid = result.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return 'interrupted';
  if (typeof result.hostname === 'string' && result.hostname !== probe.hostname) return 'running';
  return probe.alive(pid) ? 'running' : 'interrupted';
}
