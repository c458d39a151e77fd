/** Atomic file writes: a reader never sees a half-written file, and a crash leaves the old one. */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** Why a folder could not be made, in words (never the raw error code). */
function mkdirFailure(code: string | undefined): string {
  switch (code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'the disk is full';
    case 'ENAMETOOLONG': return 'the path is too long';
    default: return 'the file system does not allow it there (a special file system such as /proc?)';
  }
}

/**
 * Creates `dir` and its missing parents one level at a time, with a clear error. Node's
 * recursive mkdir can loop forever where mkdir fails but the parent exists (/proc).
 */
export function makeFolders(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let p = target; ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) throw new Error(`Cannot create the folder ${target}: ${p} is a file, not a folder.`);
      break;
    }
    missing.push(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of missing.reverse()) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Made meanwhile by someone else: fine.
      if (code === 'EEXIST' && fs.statSync(p).isDirectory()) continue;
      throw new Error(`Cannot create the folder ${p}: ${mkdirFailure(code)}.`);
    }
  }
}

/** Writes `data` to a temporary file beside `file`, flushes it, then renames it over `file`. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  makeFolders(path.dirname(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
