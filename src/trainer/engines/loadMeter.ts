/**
 * How many cores other processes keep busy: the machine's busy time (Linux's /proc/stat, which
 * counts a virtual machine's stolen time too) less this process's own CPU time, over the time
 * since the last reading. It costs no training step, unlike timing 2 threads against 1: beside a
 * process that keeps a core busy, the thread tuner need not probe to know that a second thread
 * would wait for that core.
 */
import * as fs from 'fs';
import * as os from 'os';

/** Readings closer together than this say nothing: /proc/stat counts in 10 ms ticks. */
const MIN_SECONDS = 0.15;
const TICKS_PER_SECOND = 100;

interface Sample {
  /** Seconds of wall time (performance.now), of the machine's busy time, and of this process's CPU time. */
  wall: number;
  busy: number;
  own: number;
}

/** Reads `/proc/stat`-style text: the busy seconds of all cores (all but idle and iowait), or undefined. */
export function busySeconds(stat: string): number | undefined {
  const line = /^cpu\s+([\d\s]+)$/m.exec(stat);
  if (!line) return undefined;
  const ticks = line[1].trim().split(/\s+/).map(Number);
  if (ticks.length < 4) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const busy = ticks.slice(0, 8).reduce((a, b, i) => (i === 3 || i === 4 ? a : a + b), 0);
  return busy / TICKS_PER_SECOND;
}

function sample(): Sample | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const busy = busySeconds(stat);
  // A container may see the host's cores, most of which this process cannot use: no reading.
  const cores = stat.match(/^cpu\d+\s/gm)?.length ?? 0;
  if (busy === undefined || cores > os.availableParallelism()) return undefined;
  const own = process.cpuUsage();
  return { wall: performance.now() / 1000, busy, own: (own.user + own.system) / 1e6 };
}

export class LoadMeter {
  private last: Sample | undefined = sample();
  /** The cores this process can use. */
  readonly cores = os.availableParallelism();

  /** Cores other processes kept busy since the last reading (0 idle, 1 one busy core), or undefined when too soon to say or on a system without /proc/stat. */
  otherCores(): number | undefined {
    if (!this.last) return undefined;
    const now = sample();
    if (!now || now.wall - this.last.wall < MIN_SECONDS) return undefined;
    const others = (now.busy - this.last.busy - (now.own - this.last.own)) / (now.wall - this.last.wall);
    this.last = now;
    return Math.max(0, others);
  }

  /** Cores other processes left free since the last reading, or undefined (see otherCores). */
  freeCores(): number | undefined {
    const others = this.otherCores();
    return others === undefined ? undefined : Math.max(0, this.cores - others);
  }
}

/** The trainer process's meter, from its start: the first reading covers the data loading before training. */
export const machineLoad = new LoadMeter();
