import { DataError } from './dataError';
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

/**
 * Parses CSV data with a header row. `labelColumn` names the label column; the other columns
 * are the features, read as numbers straight from the bytes into one float32 array (no string
 * or array per row on the common path). Blank lines are skipped. `file` names the file in
 * errors, with 1-based line and column numbers.
 */
export function parseCsv(data: Buffer | string, file: string, labelColumn = 'label'): CsvData {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = buf.length;
  let p = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  let lineNo = 0;

  // Header: the first non-blank line.
  let header: string | undefined;
  while (p < len && header === undefined) {
    let end = buf.indexOf(LF, p);
    if (end < 0) end = len;
    lineNo++;
    const line = buf.toString('utf8', p, end).replace(/\r$/, '');
    p = end + 1;
    if (line.trim() !== '') header = line;
  }
  if (header === undefined) throw new DataError(`${file}: the CSV file is empty; it needs a header row and data rows`);
  const columns = splitLine(header, file, lineNo).map((c) => c.trim());
  const labelIndex = columns.indexOf(labelColumn);
  if (labelIndex < 0) {
    throw new DataError(
      `${file}: no column "${labelColumn}" in the header (columns found: ${columns.join(', ')}); ` +
        'set label_column to the name of the label column',
    );
  }
  const nCols = columns.length;
  const nFeatures = nCols - 1;
  if (nFeatures === 0) throw new DataError(`${file}: the CSV file has only the label column "${labelColumn}"; it needs feature columns too`);
  const featureColumns = columns.filter((_, i) => i !== labelIndex);

  // Size the arrays from the number of line breaks left (an upper bound on the rows).
  let maxRows = 1;
  for (let i = buf.indexOf(LF, p); i >= 0; i = buf.indexOf(LF, i + 1)) maxRows++;
  let x = new Float32Array(maxRows * nFeatures);
  let y = new Float64Array(maxRows);
  let rows = 0;

  const badCell = (col: number, text: string): DataError =>
    new DataError(
      `${file} line ${lineNo}, column ${col + 1} ("${columns[col]}"): ${text.trim() === '' ? 'empty cell' : `"${text}" is not a number`}; ` +
        'every cell must be a number',
    );
  const ragged = (cells: number): DataError =>
    new DataError(`${file} line ${lineNo}: ${cells} cells but the header has ${nCols} columns; every row needs one value per column`);
  const store = (col: number, v: number, f: number): number => {
    if (col === labelIndex) {
      y[rows] = v;
      return f;
    }
    x[f] = v;
    return f + 1;
  };

  /** Parses one data row from the bytes; false when it holds a quote (left to the slow path). */
  const parseFastRow = (lineStart: number, lineEnd: number): boolean => {
    let f = rows * nFeatures;
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
        v = mantissa / POW10[fracDigits];
        if (neg) v = -v;
      } else {
        const text = buf.toString('utf8', cellStart, i);
        v = Number(text);
        if (Number.isNaN(v) || text.trim() === '') throw badCell(Math.min(col, nCols - 1), text);
      }
      if (col >= nCols) throw ragged(buf.toString('utf8', lineStart, lineEnd).split(',').length);
      f = store(col, v, f);
      col++;
      if (i >= lineEnd) break;
      i++; // the comma
    }
    if (col !== nCols) throw ragged(col);
    return true;
  };

  while (p < len) {
    let end = buf.indexOf(LF, p);
    if (end < 0) end = len;
    const lineEnd = end > p && buf[end - 1] === CR ? end - 1 : end;
    const lineStart = p;
    p = end + 1;
    lineNo++;
    let blank = true;
    for (let i = lineStart; i < lineEnd && blank; i++) blank = buf[i] === 0x20 || buf[i] === 0x09;
    if (blank) continue;
    if (!parseFastRow(lineStart, lineEnd)) {
      // Rare: a quoted cell; the line goes through the string splitter instead.
      const cells = splitLine(buf.toString('utf8', lineStart, lineEnd), file, lineNo);
      if (cells.length !== nCols) throw ragged(cells.length);
      let f = rows * nFeatures;
      cells.forEach((cell, c) => {
        const v = Number(cell);
        if (Number.isNaN(v) || cell.trim() === '') throw badCell(c, cell);
        f = store(c, v, f);
      });
    }
    rows++;
  }
  if (rows === 0) throw new DataError(`${file}: the CSV file has a header but no data rows`);
  // Views, not copies: the slack is at most the trailing/blank lines.
  if (rows < maxRows) {
    x = x.subarray(0, rows * nFeatures);
    y = y.subarray(0, rows);
  }
  return {
    x: { dtype: 'float32', shape: [rows, nFeatures], data: x },
    y: { dtype: 'float64', shape: [rows], data: y },
    columns,
    featureColumns,
  };
}

/** Reads a CSV file with a header row and a label column (default `label`). */
export function readCsv(file: string, labelColumn = 'label', hint?: string): CsvData {
  return parseCsv(readFileBytes(file, hint), file, labelColumn);
}
