/**
 * ModelCheckpoint filepath templates: Python `str.format` with keyword fields, as Keras calls
 * `filepath.format(epoch=epoch + 1, **logs)`, e.g. `ckpt-{epoch:02d}-{val_loss:.2f}`.
 */

import { pyFormatNumber, pyFormatString, pyStr } from './pyFormat';

/** Epoch logs by Keras key (`loss`, `val_accuracy`, ...). */
type Logs = Readonly<Record<string, number>>;

/** A filepath template that cannot be parsed or filled; the message says why. */
export class FilepathFormatError extends Error {
  constructor(
    message: string,
    /** The missing field name, when a field is not in the logs. */
    readonly key: string | null = null,
    /** The names that were available (`epoch` first, then the log keys sorted), when a field is missing. */
    readonly available: readonly string[] = [],
  ) {
    super(message);
    this.name = 'FilepathFormatError';
  }
}

/** One piece of a parsed template. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string; conversion: 's' | 'r' | 'a' | null; spec: string };

function fail(template: string, reason: string, key: string | null = null, available: string[] = []): never {
  // Keras's own wording, with Python's reason.
  throw new FilepathFormatError(`Failed to format this callback filepath: "${template}". Reason: ${reason}`, key, available);
}

/** Parses a Python format string into text and keyword fields. @throws FilepathFormatError on bad syntax. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === '}') {
      if (template[i + 1] !== '}') fail(template, "Single '}' encountered in format string");
      text += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) fail(template, "expected '}' before end of string");
    const inner = template.slice(i + 1, close);
    if (inner.includes('{')) fail(template, 'nested replacement fields such as {val_loss:.{digits}f} are not supported');
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push(parseField(template, inner));
    i = close + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

function parseField(template: string, inner: string): TemplatePart {
  const m = /^([^!:]*)(?:!(.?))?(?::(.*))?$/s.exec(inner);
  if (!m) {
    // Only possible shape left: a conversion followed by something other than ':'.
    fail(template, "expected ':' after conversion specifier");
  }
  const [, name, conv, spec] = m;
  if (name === '' || /^\d+$/.test(name)) {
    fail(
      template,
      `Replacement index ${name || 0} out of range for positional args tuple ` +
        '(only named fields such as {epoch} or {val_loss} can be filled)',
    );
  }
  if (/[.[]/.test(name)) fail(template, `attribute or index access in {${name}} is not supported`);
  let conversion: 's' | 'r' | 'a' | null = null;
  if (conv !== undefined) {
    if (conv === '') fail(template, "end of string while looking for conversion specifier");
    if (conv !== 's' && conv !== 'r' && conv !== 'a') fail(template, `Unknown conversion specifier ${conv}`);
    conversion = conv;
  }
  return { kind: 'field', name, conversion, spec: spec ?? '' };
}

/** A parsed filepath template, filled once per epoch. */
export class FilepathTemplate {
  private readonly parts: TemplatePart[];

  /** @throws FilepathFormatError when the template is not a valid Python format string. */
  constructor(readonly template: string) {
    this.parts = parseTemplate(template);
  }

  /** The field names used, in order. */
  get fields(): string[] {
    return this.parts.flatMap((p) => (p.kind === 'field' ? [p.name] : []));
  }

  /**
   * Fills the template with `epoch` (1-based, an int as in Keras) and the log values (floats).
   * @throws FilepathFormatError naming the missing key and the available ones, or a bad spec.
   */
  format(epoch: number, logs: Logs): string {
    let out = '';
    for (const part of this.parts) {
      if (part.kind === 'text') {
        out += part.text;
        continue;
      }
      const isEpoch = part.name === 'epoch';
      const value = isEpoch ? epoch : Object.prototype.hasOwnProperty.call(logs, part.name) ? logs[part.name] : undefined;
      if (value === undefined) {
        // Python sorts by code point; for these keys that is JavaScript's default order.
        const available = ['epoch', ...Object.keys(logs).sort()];
        fail(
          this.template,
          `'${part.name}' is not in the epoch logs; available keys: ${available.join(', ')}`,
          part.name,
          available,
        );
      }
      try {
        out +=
          part.conversion === null
            ? pyFormatNumber(value, part.spec, isEpoch)
            : pyFormatString(pyStr(value, isEpoch), part.spec);
      } catch (e) {
        fail(this.template, `{${part.name}${part.spec ? `:${part.spec}` : ''}}: ${(e as Error).message}`);
      }
    }
    return out;
  }
}

/** One-shot `FilepathTemplate(template).format(epoch, logs)`; epoch is 1-based. */
export function formatFilepath(template: string, epoch: number, logs: Logs): string {
  return new FilepathTemplate(template).format(epoch, logs);
}
