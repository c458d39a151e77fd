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
