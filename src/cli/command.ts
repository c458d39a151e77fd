/** What a `modelspec` command is, and where its output goes. */
import type { FlagSpec, Parsed } from './args';

/** Where output goes; tests swap these. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /**
   * Whether `out` is an interactive terminal: `train` then rewrites its progress bar in place
   * with `\r`. Absent means no (plain, log-friendly lines).
   */
  isTTY?: boolean;
}

export interface Command {
  usage: string;
  help: string;
  flags: FlagSpec;
  run(args: Parsed, io: Io): Promise<number>;
}
