/** The NPY format of numpy.save: magic, version, a Python-literal header, then the raw values. */
import { DataError, fileText } from './dataError';
import { DeclaredSize, readDeclaredFile } from './fileBytes';
import { DType, NdArray, bytesPerElement, shapeToString, sizeOfShape, typedArrayFrom } from './ndarray';

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy descr kind+size → our dtype. Byte order ('<', '>', '|', '=') is handled separately. */
const DESCR_TYPES: Record<string, DType> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  u8: 'uint64',
  i8: 'int64',
  f4: 'float32',
  f8: 'float64',
};

/** True when `buf` starts with the NPY magic string `\x93NUMPY`. */
export function isNpy(buf: Uint8Array): boolean {
  if (buf.length < NPY_MAGIC.length) return false;
  return NPY_MAGIC.every((b, i) => buf[i] === b);
}

/** Longest NPY header accepted: numpy writes well under 1 KiB; a larger one is a corrupt length field. */
const MAX_NPY_HEADER = 64 * 1024;

/** An NPY header: element type, shape, byte order, and where the data starts and how long it is. */
interface NpyHeader {
  dtype: DType;
  shape: number[];
  littleEndian: boolean;
  dataStart: number;
  dataBytes: number;
}

/** Where the header text starts and how long it is, from the bytes after the magic string. */
function headerExtent(buf: Buffer, file: string): { major: number; headerStart: number; headerLen: number } {
  if (!isNpy(buf)) {
    throw new DataError(`${file}: not an NPY file (it does not start with \\x93NUMPY); save arrays with numpy.save`);
  }
  if (buf.length < 10) throw new DataError(`${file}: truncated NPY header; save the file again`);
  const major = buf[6];
  if (major === 1) return { major, headerStart: 10, headerLen: buf.readUInt16LE(8) };
  if (major !== 2 && major !== 3) {
    throw new DataError(`${file}: unsupported NPY format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (buf.length < 12) throw new DataError(`${file}: truncated NPY header; save the file again`);
  const headerLen = buf.readUInt32LE(8);
  if (headerLen > MAX_NPY_HEADER) {
    throw new DataError(`${file}: the NPY header announces ${headerLen} bytes of header text (numpy writes a few hundred); the file is corrupt`);
  }
  return { major, headerStart: 12, headerLen };
}

/** Reads the NPY header at the start of `buf`; undefined when `buf` ends inside it. */
function readNpyHeader(buf: Buffer, file: string): NpyHeader | undefined {
  const { major, headerStart, headerLen } = headerExtent(buf, file);
  const dataStart = headerStart + headerLen;
  if (buf.length < dataStart) return undefined;
  // Versions 1 and 2 store the header in latin1, version 3 in utf8.
  const headerText = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const quoted = fileText(headerText.trim(), 200);
  let header: PyValue;
  try {
    header = parsePyLiteral(headerText);
  } catch (e) {
    throw new DataError(`${file}: unreadable NPY header "${quoted}" (${(e as Error).message})`);
  }
  if (!isDict(header)) throw new DataError(`${file}: the NPY header is not a dict: ${quoted}`);
  const descr = header.get('descr');
  const shapeValue = header.get('shape');
  if (typeof descr !== 'string') {
    throw new DataError(`${file}: unsupported NPY dtype (a structured or record array, or no descr): ${quoted}; save a plain numeric array`);
  }
  if (header.get('fortran_order') !== false) {
    throw new DataError(
      `${file}: fortran_order is True (column-major data), which is not supported; ` +
        'save it in C order with numpy.save(path, numpy.ascontiguousarray(a))',
    );
  }
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new DataError(`${file}: the NPY header has no valid shape: ${quoted}`);
  }
  const shape = shapeValue as number[];
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? DESCR_TYPES[m[2]] : undefined;
  if (!m || dtype === undefined) {
    throw new DataError(
      `${file}: unsupported NPY dtype '${fileText(descr)}' (supported: bool, uint8/16/32/64, int8/16/32/64, float32, float64); ` +
        "convert it with a.astype('float32') before saving",
    );
  }
  // '|' (byte order irrelevant, 1-byte types) and '=' (native: every host we run on) read as '<'.
  return { dtype, shape, littleEndian: m[1] !== '>', dataStart, dataBytes: sizeOfShape(shape) * bytesPerElement(dtype) };
}

/** The whole size an NPY file's header declares (for bounded reading), or undefined when `head` is too short. */
export function npyDeclaredSize(head: Buffer, file: string): DeclaredSize | undefined {
  const h = readNpyHeader(head, file);
  return h && { bytes: h.dataStart + h.dataBytes, what: `${shapeToString(h.shape)} ${h.dtype} values` };
}

/**
 * Parses an NPY file (format versions 1, 2 and 3) already in memory. `file` names it in errors.
 * The data is returned as a view into `buf` when aligned and little-endian (numpy pads the
 * header so that it is), otherwise copied once.
 */
export function parseNpy(buf: Buffer, file: string): NdArray {
  const h = readNpyHeader(buf, file);
  if (!h) {
    const { headerStart, headerLen } = headerExtent(buf, file);
    throw new DataError(
      `${file}: truncated NPY header (${headerLen} header bytes announced, ${buf.length - headerStart} present); save the file again`,
    );
  }
  const { dtype, shape, dataStart, dataBytes } = h;
  const actual = buf.length - dataStart;
  if (actual < dataBytes) {
    throw new DataError(
      `${file}: truncated NPY file: the header says ${shapeToString(shape)} ${dtype} values (${dataBytes} bytes) ` +
        `but only ${actual} bytes of data are present; save or download the file again`,
    );
  }
  if (actual > dataBytes) {
    throw new DataError(
      `${file}: ${actual - dataBytes} unexpected bytes after the data (the header says ${shapeToString(shape)} ${dtype}); ` +
        'the file is corrupt; save it again with numpy.save',
    );
  }
  return { dtype, shape, data: typedArrayFrom(buf, dataStart, sizeOfShape(shape), dtype, h.littleEndian) };
}

/** Reads an NPY file, raw or gzipped, reading no further than its header declares. */
export function readNpy(file: string, hint?: string): NdArray {
  return parseNpy(readDeclaredFile(file, (head) => npyDeclaredSize(head, file), hint), file);
}

// --- A tiny parser for the Python literal in the NPY header ---------------------------------
// The header is `repr()` of a dict of str, bool and tuple of int (Python 2 files may write
// `60000L`); a structured dtype makes `descr` a list of tuples, which we parse but reject.

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

function isDict(v: PyValue): v is Map<string, PyValue> {
  return v instanceof Map;
}

function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${pos}`);
  };
  const parseValue = (): PyValue => {
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const map = new Map<string, PyValue>();
      for (;;) {
        skipSpace();
        if (text[pos] === '}') {
          pos++;
          return map;
        }
        const key = parseValue();
        if (typeof key !== 'string') fail('dict key is not a string');
        skipSpace();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        map.set(key as string, parseValue());
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      pos++;
      const items: PyValue[] = [];
      for (;;) {
        skipSpace();
        if (text[pos] === close) {
          pos++;
          return items;
        }
        items.push(parseValue());
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      pos++;
      let s = '';
      while (pos < text.length && text[pos] !== c) {
        if (text[pos] === '\\') pos++;
        s += text[pos++];
      }
      if (pos >= text.length) fail('unterminated string');
      pos++;
      return s;
    }
    const word = /^[A-Za-z_]+|^[-+]?\d+L?/.exec(text.slice(pos));
    if (!word) return fail('unexpected character');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    if (/^[-+]?\d+L?$/.test(word[0])) return parseInt(word[0], 10);
    return fail(`unknown name ${word[0]}`);
  };
  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('unexpected text after the dict');
  return value;
}
