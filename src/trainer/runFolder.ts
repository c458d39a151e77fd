/**
 * A run's folder: `<runs dir>/<spec>/<timestamp>-<variant>/` with spec.json, summary.txt,
 * history.csv, events.jsonl, health.jsonl, checkpoints, the final model and result.json. Every file but the
 * append-only event log is written atomically, so a cancelled or crashed run leaves a
 * consistent folder whose result.json says how it ended.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomicWrite';
import { RESERVED_RUN_NAMES, RUN_FILES } from '../core/runFiles';
import { CSV_LINE_TERMINATOR, CsvFormatter } from './callbacks';
import type { FromTrainer, HealthMessage, RunResult } from '../shared/trainerProtocol';

/** Longest slug: a run folder's name adds a timestamp to it, and file systems allow 255 bytes. */
const SLUG_MAX = 80;

/** Names Windows reserves in every folder, with or without an extension (`CON`, `nul.txt`, `COM1`). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** A file-system-safe form of a spec or variant name: ASCII, short, never a Windows device name. */
export function slug(name: string): string {
  const s = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, SLUG_MAX).replace(/[-.]+$/, '') || 'model';
  return WINDOWS_RESERVED.test(s) ? `${s}_` : s;
}

function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export class RunFolder {
  readonly dir: string;
  private readonly events: number;
  private healthFile: number | undefined;
  private readonly csv = new CsvFormatter(',');
  private csvLines: string[] = [];

  constructor(runsDir: string, spec: string, variant: string | undefined, now = new Date()) {
    const base = path.join(path.resolve(runsDir), slug(spec), `${timestamp(now)}-${slug(variant ?? 'base')}`);
    let dir = base;
    for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
    fs.mkdirSync(dir, { recursive: true });
    this.dir = dir;
    this.events = fs.openSync(path.join(dir, RUN_FILES.events), 'a');
  }

  /**
   * Resolves a path a callback asked for, refusing any that leaves the run folder or names its
   * own files, and creates its parent folders (`logs/train.csv`).
   */
  inside(relative: string): string {
    const p = path.resolve(this.dir, relative);
    if (path.isAbsolute(relative) || !p.startsWith(this.dir + path.sep)) {
      throw new Error(`"${relative}" is outside the run folder or is the folder itself; callback paths must name a file inside it.`);
    }
    const first = path.relative(this.dir, p).split(path.sep)[0].toLowerCase();
    if (RESERVED_RUN_NAMES.includes(first)) throw new Error(`"${relative}" would overwrite the run's own ${first}; use another name.`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    return p;
  }

  write(name: string, data: string): void {
    writeFileAtomic(path.join(this.dir, name), data);
  }

  /** Appends one protocol message to events.jsonl. */
  event(m: FromTrainer): void {
    fs.writeSync(this.events, JSON.stringify(m) + '\n');
  }

  /** Appends one training-health sample to health.jsonl (opened at the first). */
  health(m: HealthMessage): void {
    this.healthFile ??= fs.openSync(path.join(this.dir, RUN_FILES.health), 'a');
    fs.writeSync(this.healthFile, JSON.stringify(m) + '\n');
  }

  /** Rewrites history.csv (Keras CSVLogger format) with one more epoch. */
  epoch(epoch: number, logs: Record<string, number>): void {
    this.csvLines.push(...this.csv.formatEpoch(epoch, logs, epoch === 0).map((l) => l + CSV_LINE_TERMINATOR));
    this.write(RUN_FILES.history, this.csvLines.join(''));
  }

  result(r: RunResult): void {
    this.write(RUN_FILES.result, JSON.stringify(r, null, 2) + '\n');
  }

  close(): void {
    fs.closeSync(this.events);
    if (this.healthFile !== undefined) fs.closeSync(this.healthFile);
  }
}
