/**
 * Python number formatting (`str(float)` and `format(x, spec)`), so that file names, CSV cells
 * and log lines come out byte-for-byte as Keras writes them.
 *
 * Why not `toFixed`/`toExponential`: Python rounds the exact binary value half-to-even
 * (`format(2.5, '.0f') == '2'`, `format(0.03125, '.4f') == '0.0312'`) where JS rounds ties up,
 * and Python writes exponents with at least two digits (`1e-05`). Rounding is therefore done
 * exactly with BigInt on the double's mantissa and exponent.
 */

/** A malformed or unsupported format spec, worded like Python's ValueError where Python has one. */
export class PyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PyFormatError';
  }
}

/** |x| = mant * 2^exp2, exactly. */
interface Binary {
  mant: bigint;
  exp2: number;
}

function decompose(x: number): Binary {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant, exp2: -1074 }; // subnormal
  mant |= 1n << 52n;
  return { mant, exp2: biased - 1075 };
}

/** round_half_even(|x| * 10^k) for finite x. */
function roundScaled(b: Binary, k: number): bigint {
  let num = b.mant;
  let den = 1n;
  if (b.exp2 >= 0) num <<= BigInt(b.exp2);
  else den <<= BigInt(-b.exp2);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** Sign of |x| - 10^d, exactly. */
function comparePow10(b: Binary, d: number): number {
  let lhs = b.mant;
  let rhs = 1n;
  if (b.exp2 >= 0) lhs <<= BigInt(b.exp2);
  else rhs <<= BigInt(-b.exp2);
  if (d >= 0) rhs *= 10n ** BigInt(d);
  else lhs *= 10n ** BigInt(-d);
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}

/** `p` decimals of |x|, Python's `'%.{p}f'` without the sign. */
function fixedAbs(x: number, p: number): string {
  const s = roundScaled(decompose(x), p).toString();
  if (p === 0) return s;
  const padded = s.padStart(p + 1, '0');
  return `${padded.slice(0, -p)}.${padded.slice(-p)}`;
}

/** |x| rounded to p+1 significant digits: the digits and the decimal exponent of the first one. */
function significantAbs(x: number, p: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(p + 1), exp: 0 };
  const b = decompose(x);
  let exp = Math.floor(Math.log10(Math.abs(x)));
  // log10 can be off by one near powers of ten; settle it exactly.
  while (comparePow10(b, exp) < 0) exp--;
  while (comparePow10(b, exp + 1) >= 0) exp++;
  let n = roundScaled(b, p - exp);
  if (n === 10n ** BigInt(p + 1)) {
    // Rounded up to the next power of ten, e.g. 9.9999 -> 10.00.
    exp++;
    n = 10n ** BigInt(p);
  }
  return { digits: n.toString(), exp };
}

function exponentSuffix(exp: number, upper: boolean): string {
  const e = upper ? 'E' : 'e';
  return `${e}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Digits and exponent laid out in fixed notation (no rounding: the digits are final). */
function layoutFixed(digits: string, exp: number): { int: string; frac: string } {
  if (exp >= 0) {
    const intDigits = exp + 1;
    if (digits.length <= intDigits) return { int: digits.padEnd(intDigits, '0'), frac: '' };
    return { int: digits.slice(0, intDigits), frac: digits.slice(intDigits) };
  }
  return { int: '0', frac: '0'.repeat(-exp - 1) + digits };
}

/** Python `repr(x)` / `str(x)` of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  return sign + reprAbs(Math.abs(x));
}

function reprAbs(x: number): string {
  // JS toExponential() without an argument gives the shortest round-trip digits, as Python's repr.
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (!m) throw new Error(`unexpected number text for ${x}`);
  const digits = m[1] + (m[2] ?? '');
  const exp = Number(m[3]);
  if (exp < -4 || exp >= 16) {
    const rest = digits.slice(1);
    return `${digits[0]}${rest ? `.${rest}` : ''}${exponentSuffix(exp, false)}`;
  }
  const { int, frac } = layoutFixed(digits, exp);
  return `${int}.${frac || '0'}`;
}

/** Python `str()` of a value Keras would hold as an int (epoch) or a float (log values). */
export function pyStr(x: number, isInt: boolean): string {
  return isInt ? intText(x) : pyRepr(x);
}

function intText(x: number): string {
  return BigInt(Math.trunc(x)).toString();
}

/** The parsed `[[fill]align][sign][z][#][0][width][grouping][.precision][type]` of a format spec. */
export interface FormatSpec {
  fill: string | null;
  align: '<' | '>' | '=' | '^' | null;
  sign: '+' | '-' | ' ' | null;
  z: boolean;
  alt: boolean;
  zero: boolean;
  width: number | null;
  grouping: ',' | '_' | null;
  precision: number | null;
  type: string;
}

/** Parses a Python format spec, e.g. `02d`, `.4f`, `>10.3e`. */
export function parseFormatSpec(spec: string): FormatSpec {
  const chars = Array.from(spec);
  let i = 0;
  const out: FormatSpec = {
    fill: null,
    align: null,
    sign: null,
    z: false,
    alt: false,
    zero: false,
    width: null,
    grouping: null,
    precision: null,
    type: '',
  };
  const isAlign = (c: string | undefined): c is '<' | '>' | '=' | '^' =>
    c === '<' || c === '>' || c === '=' || c === '^';
  if (chars.length >= 2 && isAlign(chars[1])) {
    out.fill = chars[0];
    out.align = chars[1];
    i = 2;
  } else if (isAlign(chars[0])) {
    out.align = chars[0];
    i = 1;
  }
  if (chars[i] === '+' || chars[i] === '-' || chars[i] === ' ') out.sign = chars[i++] as '+' | '-' | ' ';
  if (chars[i] === 'z') {
    out.z = true;
    i++;
  }
  if (chars[i] === '#') {
    out.alt = true;
    i++;
  }
  if (chars[i] === '0') {
    out.zero = true;
    i++;
  }
  let width = '';
  while (i < chars.length && /[0-9]/.test(chars[i])) width += chars[i++];
  if (width) out.width = Number(width);
  if (chars[i] === ',' || chars[i] === '_') out.grouping = chars[i++] as ',' | '_';
  if (chars[i] === '.') {
    i++;
    let prec = '';
    while (i < chars.length && /[0-9]/.test(chars[i])) prec += chars[i++];
    if (!prec) throw new PyFormatError('Format specifier missing precision');
    out.precision = Number(prec);
  }
  const rest = chars.slice(i).join('');
  if (rest.length > 1) throw new PyFormatError('Invalid format specifier');
  out.type = rest;
  return out;
}

function pad(sign: string, body: string, spec: FormatSpec, defaultAlign: '<' | '>'): string {
  // Python's '0' flag: fill '0' unless a fill is given, and sign-aware '=' unless an align is given.
  const fill = spec.fill ?? (spec.zero ? '0' : ' ');
  const align = spec.align ?? (spec.zero && defaultAlign === '>' ? '=' : defaultAlign);
  const len = Array.from(sign + body).length;
  const n = Math.max(0, (spec.width ?? 0) - len);
  switch (align) {
    case '<':
      return sign + body + fill.repeat(n);
    case '>':
      return fill.repeat(n) + sign + body;
    case '=':
      return sign + fill.repeat(n) + body;
    case '^': {
      const left = Math.floor(n / 2);
      return fill.repeat(left) + sign + body + fill.repeat(n - left);
    }
  }
}

function unsupported(spec: FormatSpec): void {
  // Kept out on purpose: nothing in a checkpoint name or log line needs them.
  if (spec.grouping) throw new PyFormatError(`the '${spec.grouping}' thousands separator is not supported`);
  if (spec.alt) throw new PyFormatError("the '#' alternate form is not supported");
}

/**
 * Python `format(value, spec)` for a number Keras holds as an int (`isInt`: the epoch) or a
 * float (every log value). Supports fill/align, sign, `z`, `0`, width, precision and the types
 * `d`, `f`/`F`, `e`/`E`, `g`/`G`, `%` and none.
 */
export function pyFormatNumber(value: number, specText: string, isInt: boolean): string {
  const spec = parseFormatSpec(specText);
  unsupported(spec);
  const kind = isInt ? 'int' : 'float';
  let type = spec.type;
  if (isInt && (type === '' || type === 'd')) {
    if (spec.precision !== null) throw new PyFormatError('Precision not allowed in integer format specifier');
    if (spec.z) throw new PyFormatError('Negative zero coercion (z) not allowed in integer format specifier');
    const v = Math.trunc(value);
    return pad(signOf(v < 0, spec), intText(Math.abs(v)), spec, '>');
  }
  if (type === 'n') throw new PyFormatError("the locale-dependent 'n' format is not supported");
  if (type !== '' && !'fFeEgG%'.includes(type)) {
    throw new PyFormatError(`Unknown format code '${type}' for object of type '${kind}'`);
  }
  // From here on ints are formatted as Python formats them: converted to float.
  // '%' scales first, so a huge value overflows to 'inf%' as in Python.
  if (type === '%') value *= 100;
  const upper = type === 'F' || type === 'E' || type === 'G';
  let negative = value < 0 || Object.is(value, -0);
  let body: string;
  if (!Number.isFinite(value)) {
    body = Number.isNaN(value) ? 'nan' : 'inf';
    if (upper) body = body.toUpperCase();
    if (type === '%') body += '%';
    negative = value === -Infinity;
  } else {
    const abs = Math.abs(value);
    if (type === '') {
      body = spec.precision === null ? reprAbs(abs) : generalAbs(abs, spec.precision, true, false);
    } else {
      const p = spec.precision ?? 6;
      type = type.toLowerCase();
      if (type === 'f') body = fixedAbs(abs, p);
      else if (type === '%') body = `${fixedAbs(abs, p)}%`;
      else if (type === 'e') {
        const { digits, exp } = significantAbs(abs, p);
        body = `${digits[0]}${p > 0 ? `.${digits.slice(1)}` : ''}${exponentSuffix(exp, upper)}`;
      } else body = generalAbs(abs, p, false, upper);
    }
    if (spec.z && negative && !/[1-9]/.test(body)) negative = false;
  }
  return pad(signOf(negative, spec), body, spec, '>');
}

function signOf(negative: boolean, spec: FormatSpec): string {
  if (negative) return '-';
  if (spec.sign === '+') return '+';
  if (spec.sign === ' ') return ' ';
  return '';
}

/** Python 'g' (and the no-type format with a precision, `addDot0`): fixed for -4 <= exp < p, else exponent; trailing zeros dropped. */
function generalAbs(x: number, precision: number, addDot0: boolean, upper: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const { digits, exp } = significantAbs(x, p - 1);
  const trimmed = digits.replace(/0+$/, '') || '0';
  const useExp = exp < -4 || exp >= (addDot0 ? p - 1 : p);
  if (useExp) {
    const rest = trimmed.slice(1);
    return `${trimmed[0]}${rest ? `.${rest}` : ''}${exponentSuffix(exp, upper)}`;
  }
  const { int, frac } = layoutFixed(x === 0 ? '0' : trimmed, exp);
  if (frac) return `${int}.${frac}`;
  return addDot0 ? `${int}.0` : int;
}

/** Python `format(text, spec)` for a string (after a `!s`/`!r` conversion). */
export function pyFormatString(text: string, specText: string): string {
  const spec = parseFormatSpec(specText);
  unsupported(spec);
  if (spec.type !== '' && spec.type !== 's') {
    throw new PyFormatError(`Unknown format code '${spec.type}' for object of type 'str'`);
  }
  if (spec.sign) throw new PyFormatError('Sign not allowed in string format specifier');
  if (spec.z) throw new PyFormatError('Negative zero coercion (z) not allowed in format specifier');
  if (spec.align === '=') throw new PyFormatError("'=' alignment not allowed in string format specifier");
  const body = spec.precision === null ? text : Array.from(text).slice(0, spec.precision).join('');
  return pad('', body, spec, '<');
}
