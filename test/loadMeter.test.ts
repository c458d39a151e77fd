import * as assert from 'assert';
import { spawn } from 'child_process';
import { busySeconds, LoadMeter } from '../src/trainer/engines/loadMeter';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the machine load meter', () => {
  it('reads the busy time of all cores from /proc/stat: all but idle and iowait, in 10 ms ticks', () => {
    const stat = 'cpu  100 5 40 900 30 2 3 7 0 0\ncpu0 50 0 20 450 15 1 1 3 0 0\ncpu1 50 5 20 450 15 1 2 4 0 0\nintr 1\n';
    assert.strictEqual(busySeconds(stat), (100 + 5 + 40 + 2 + 3 + 7) / 100);
    assert.strictEqual(busySeconds('intr 1\n'), undefined);
  });

  // Real processes on this machine: a busy child is another process's core; a busy loop here is not.
  const linux = process.platform === 'linux';

  (linux ? it : it.skip)('counts a busy child process as a core other processes keep busy', async function () {
    this.timeout(10_000);
    const meter = new LoadMeter();
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end);'], { stdio: 'ignore' });
    try {
      await wait(300);
      meter.otherCores();
      await wait(600);
      const others = meter.otherCores();
      assert.ok(others !== undefined && others > 0.7, `other processes kept ${others} cores busy`);
    } finally {
      child.kill();
    }
  });

  (linux ? it : it.skip)("does not count this process's own work, and says nothing about too short a time", () => {
    const meter = new LoadMeter();
    assert.strictEqual(meter.otherCores(), undefined);
    const end = performance.now() + 600;
    while (performance.now() < end);
    const others = meter.otherCores();
    assert.ok(others !== undefined && others < 0.5, `other processes kept ${others} cores busy`);
    assert.ok(meter.freeCores() === undefined);
  });
});
