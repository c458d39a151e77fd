/**
 * A problem with the user's data (a missing file, a corrupt header, a bad setting), as opposed
 * to a bug. Its message is written for the user: it names the file, says what is wrong and how
 * to fix it, so callers can show it without a stack trace.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/**
 * Text read from a data file, made safe to quote in a message: control characters (which a
 * binary file is full of, and which a terminal would act on) become `\xNN`, and long text is
 * cut to `max` characters.
 */
export function fileText(text: string, max = 80): string {
  const cut = text.length > max ? text.slice(0, max) + '…' : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (c) => (c === '\ufffd' ? '?' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
