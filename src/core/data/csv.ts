/**
 * CSV data files: a header row, then one example per row; one column holds the label, the
 * others the features. Rows are parsed straight from the bytes into one float32 array (no
 * string or array per row on the common path), which `bench/dataBench.ts` measures against
 * csv-parse: several times faster on an MNIST-sized file.
 */
import { DataError, fileText } from './dataError';
import { readFileBytes } from './fileBytes';
import { NdArray } from './ndarray';

/** A CSV file split into features and labels. */
export interface CsvData {
  /** float32, shape [rows, features]: every column but the label column, in file order. */
  x: NdArray;
  /** float64, shape [rows]: the label column. */
  y: NdArray;
  /** The header's column names. */
  columns: string[];
  /** The feature column names (the header without the label column). */
  featureColumns: string[];
}

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
// 10^k is exact in a double up to 10^22, so digits / 10^k is correctly rounded (one rounding).
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Splits one CSV line into cells, honouring double quotes ("" inside quotes is a quote). */
function splitLine(line: string, file: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new DataError(`${file} line ${lineNo}: unterminated quote (quoted cells cannot span lines)`);
  cells.push(cell);
  return cells;
}

/** The header (the first non-blank line, after a UTF-8 BOM), its line number and where the data starts. */
function readHeader(buf: Buffer, file: string): { columns: string[]; lineNo: number; dataStart: number } {
  let p = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let lineNo = 0;
  while (p < buf.length) {
    let end = buf.indexOf(LF, p);
    if (end < 0) end = buf.length;
    lineNo++;
    const line = buf.toString('utf8', p, end).replace(/\r$/, '');
    p = end + 1;
    if (line.trim() !== '') return { columns: splitLine(line, file, lineNo).map((c) => c.trim()), lineNo, dataStart: p };
  }
  throw new DataError(`${file}: the CSV file is empty; it needs a header row and data rows`);
}

/** Parses the data rows of one CSV buffer into preallocated feature and label arrays. */
class RowParser {
  readonly nCols: number;
  readonly nFeatures: number;
  x: Float32Array;
  y: Float64Array;
  rows = 0;
  lineNo: number;

  constructor(
    private readonly buf: Buffer,
    private readonly file: string,
    private readonly columns: string[],
    private readonly labelIndex: number,
    headerLine: number,
    maxRows: number,
  ) {
    this.nCols = columns.length;
    this.nFeatures = this.nCols - 1;
    this.lineNo = headerLine;
    this.x = new Float32Array(maxRows * this.nFeatures);
    this.y = new Float64Array(maxRows);
  }

  badCell(col: number, text: string): DataError {
    const what = text.trim() === '' ? 'empty cell' : `"${fileText(text)}" is not a ${Number.isNaN(Number(text)) ? '' : 'finite '}number`;
    return new DataError(
      `${this.file} line ${this.lineNo}, column ${col + 1} ("${fileText(this.columns[col])}"): ${what}; every cell must be a finite number`,
    );
  }

  ragged(cells: number): DataError {
    return new DataError(`${this.file} line ${this.lineNo}: ${cells} cells but the header has ${this.nCols} columns; every row needs one value per column`);
  }

  /** Stores cell `col` of the current row; `f` is the next feature slot, returned advanced. */
  store(col: number, v: number, f: number): number {
    if (col === this.labelIndex) {
      this.y[this.rows] = v;
      return f;
    }
    this.x[f] = v;
    return f + 1;
  }

  /** Parses one row from the bytes; false when it holds a quote (left to {@link parseQuotedRow}). */
  parseFastRow(lineStart: number, lineEnd: number): boolean {
    const buf = this.buf;
    let f = this.rows * this.nFeatures;
    let col = 0;
    let i = lineStart;
    for (;;) {
      // [-+]digits[.digits] is parsed from the bytes; anything else goes to Number().
      const cellStart = i;
      let neg = false;
      if (buf[i] === 0x2d || buf[i] === 0x2b) neg = buf[i++] === 0x2d;
      let mantissa = 0;
      let digits = 0;
      let fracDigits = 0;
      let seenDot = false;
      let simple = true;
      for (; i < lineEnd; i++) {
        const b = buf[i];
        if (b >= 0x30 && b <= 0x39) {
          mantissa = mantissa * 10 + (b - 0x30);
          digits++;
          if (seenDot) fracDigits++;
        } else if (b === COMMA) break;
        else if (b === 0x2e && !seenDot) seenDot = true;
        else if (b === QUOTE) return false;
        else simple = false;
      }
      let v: number;
      if (simple && digits > 0 && digits <= 15 && fracDigits < POW10.length) {
        v = neg ? -mantissa / POW10[fracDigits] : mantissa / POW10[fracDigits];
      } else {
        const text = buf.toString('utf8', cellStart, i);
        v = Number(text);
        if (!Number.isFinite(v) || text.trim() === '') throw this.badCell(Math.min(col, this.nCols - 1), text);
      }
      if (col >= this.nCols) throw this.ragged(buf.toString('utf8', lineStart, lineEnd).split(',').length);
      f = this.store(col, v, f);
      col++;
      if (i >= lineEnd) break;
      i++; // the comma
    }
    if (col !== this.nCols) throw this.ragged(col);
    return true;
  }

  /** Rare: a row with a quoted cell goes through the string splitter. */
  parseQuotedRow(lineStart: number, lineEnd: number): void {
    const cells = splitLine(this.buf.toString('utf8', lineStart, lineEnd), this.file, this.lineNo);
    if (cells.length !== this.nCols) throw this.ragged(cells.length);
    let f = this.rows * this.nFeatures;
    cells.forEach((cell, c) => {
      const v = Number(cell);
      if (!Number.isFinite(v) || cell.trim() === '') throw this.badCell(c, cell);
      f = this.store(c, v, f);
    });
  }

  /** Parses every row from `p` on; blank lines are skipped. */
  parseRows(p: number): void {
    const buf = this.buf;
    while (p < buf.length) {
      let end = buf.indexOf(LF, p);
      if (end < 0) end = buf.length;
      const lineEnd = end > p && buf[end - 1] === CR ? end - 1 : end;
      const lineStart = p;
      p = end + 1;
      this.lineNo++;
      let blank = true;
      for (let i = lineStart; i < lineEnd && blank; i++) blank = buf[i] === 0x20 || buf[i] === 0x09;
      if (blank) continue;
      if (!this.parseFastRow(lineStart, lineEnd)) this.parseQuotedRow(lineStart, lineEnd);
      this.rows++;
    }
  }
}

/**
 * Parses CSV data with a header row. `labelColumn` names the label column; the other columns
 * are the features. Every cell must be a finite number. `file` names the file in errors, with
 * 1-based line and column numbers.
 */
export function parseCsv(data: Buffer | string, file: string, labelColumn = 'label'): CsvData {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const { columns, lineNo, dataStart } = readHeader(buf, file);
  const labelIndex = columns.indexOf(labelColumn);
  if (labelIndex < 0) {
    throw new DataError(
      `${file}: no column "${labelColumn}" in the header (columns found: ${fileText(columns.join(', '), 200)}); ` +
        'set label_column to the name of the label column',
    );
  }
  if (columns.length === 1) throw new DataError(`${file}: the CSV file has only the label column "${labelColumn}"; it needs feature columns too`);

  // Size the arrays from the number of line breaks left (an upper bound on the rows).
  let maxRows = 1;
  for (let i = buf.indexOf(LF, dataStart); i >= 0; i = buf.indexOf(LF, i + 1)) maxRows++;
  const rows = new RowParser(buf, file, columns, labelIndex, lineNo, maxRows);
  rows.parseRows(dataStart);
  const n = rows.rows;
  if (n === 0) throw new DataError(`${file}: the CSV file has a header but no data rows`);
  // Views, not copies: the slack is at most the trailing/blank lines.
  return {
    x: { dtype: 'float32', shape: [n, rows.nFeatures], data: n < maxRows ? rows.x.subarray(0, n * rows.nFeatures) : rows.x },
    y: { dtype: 'float64', shape: [n], data: n < maxRows ? rows.y.subarray(0, n) : rows.y },
    columns,
    featureColumns: columns.filter((_, i) => i !== labelIndex),
  };
}

/** Reads a CSV file with a header row and a label column (default `label`). */
export function readCsv(file: string, labelColumn = 'label', hint?: string): CsvData {
  return parseCsv(readFileBytes(file, hint), file, labelColumn);
}
