/** Keras 3 `CSVLogger` (keras/src/callbacks/csv_logger.py): a pure row formatter plus a file writer. */

import * as fs from 'fs';
import { compareCodePoints } from './monitor';
import { pyRepr } from '../../core/pyFormat';
import type { Callback, Logs } from './types';

/**
 * CSVLogger options, all resolved: Keras's defaults come from the registry's callback entry, whose
 * arguments these are (test/registryLists.test.ts checks the names).
 */
export interface CSVLoggerOptions {
  /** CSV file to write, e.g. `<run>/training.log`. Required in Keras (no default). */
  filename: string;
  /** One-character field separator. */
  separator: string;
  /** Append to an existing file (no second header when it already has one) instead of overwriting. */
  append: boolean;
}

/** Python's csv `excel` dialect ends every row with CRLF, also on Linux; Keras keeps that dialect. */
export const CSV_LINE_TERMINATOR = '\r\n';

/**
 * Formats epoch logs as Keras's CSVLogger rows (without line terminators): header `epoch` then
 * the first epoch's keys sorted; when that epoch has no `val_` key, a `val_<key>` column is
 * appended for every key (Keras 3 does so for runs whose first epoch has no validation); `NA`
 * for missing values; floats as Python's `str()`.
 */
export class CsvFormatter {
  /** The column keys after `epoch`, fixed at the first formatted epoch; null before. */
  keys: string[] | null = null;

  /** @throws Error when the separator is not one character, as Python's csv module. */
  constructor(readonly separator: string) {
    if (Array.from(separator).length !== 1) throw new Error('"delimiter" must be a 1-character string');
  }

  /** Forgets the columns, as Keras does at each train begin. */
  reset(): void {
    this.keys = null;
  }

  /** The header fields of the current columns. */
  headerLine(): string {
    return ['epoch', ...(this.keys ?? [])].map((f) => this.quote(f)).join(this.separator);
  }

  /**
   * The lines for one epoch: the header first when `withHeader` and this is the first epoch
   * since `reset()`, then the row. `epoch` is 0-based and written as is.
   */
  formatEpoch(epoch: number, logs: Logs, withHeader: boolean): string[] {
    const lines: string[] = [];
    if (this.keys === null) {
      const keys = Object.keys(logs).sort(compareCodePoints);
      if (keys.length > 0 && !keys.some((k) => k.startsWith('val_'))) keys.push(...keys.map((k) => `val_${k}`));
      this.keys = keys;
      if (withHeader) lines.push(this.headerLine());
    }
    const cells = [String(epoch)];
    for (const key of this.keys) {
      cells.push(Object.prototype.hasOwnProperty.call(logs, key) ? pyRepr(logs[key]) : 'NA');
    }
    lines.push(cells.map((c) => this.quote(c)).join(this.separator));
    return lines;
  }

  /** csv.QUOTE_MINIMAL: quote a field holding the separator, a quote or a line break; double inner quotes. */
  private quote(field: string): string {
    if (field.includes(this.separator) || /["\r\n]/.test(field)) return `"${field.replace(/"/g, '""')}"`;
    return field;
  }
}

/**
 * Streams epoch results to a CSV file like Keras's CSVLogger: truncates (or appends) at train
 * begin and appends+flushes one row per epoch, so the file is complete after every epoch.
 * The callback order matters as in Keras: put it after ReduceLROnPlateau to get `learning_rate`.
 */
export class CSVLogger implements Callback {
  private readonly formatter: CsvFormatter;
  private writeHeader = true;

  /** @throws Error for a separator that is not one character. */
  constructor(private readonly options: CSVLoggerOptions) {
    this.formatter = new CsvFormatter(options.separator);
  }

  /** Opens the file: truncates it, or with `append` keeps it and skips the header when it has a first line. */
  onTrainBegin(): void {
    const { filename, append } = this.options;
    if (append) {
      if (fs.existsSync(filename)) this.writeHeader = !firstLineHasText(filename);
      fs.appendFileSync(filename, '');
    } else {
      fs.writeFileSync(filename, '');
    }
    this.formatter.reset();
  }

  /** Appends this epoch's row (and the header before the first row). */
  onEpochEnd(epoch: number, logs: Logs): void {
    const lines = this.formatter.formatEpoch(epoch, logs, this.writeHeader);
    fs.appendFileSync(this.options.filename, lines.map((l) => l + CSV_LINE_TERMINATOR).join(''));
  }
}

/** Python's `bool(len(f.readline()))`: true when the file has any first-line content, even only a newline. */
function firstLineHasText(filename: string): boolean {
  const fd = fs.openSync(filename, 'r');
  try {
    const buf = Buffer.alloc(1);
    return fs.readSync(fd, buf, 0, 1, 0) > 0;
  } finally {
    fs.closeSync(fd);
  }
}
