/**
 * `modelspec evaluate` on run folders that were edited or damaged (issue 14): every file is
 * checked before use, with a message that says what is wrong; data files are read only as the
 * spec file the run came from names them; a run still marked running with no trainer behind it
 * is `interrupted`. One real run (a fused-kernel epoch on small CSV files) is copied and tampered.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { train } from '../src/trainer/train';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { assertNoInternalText, csvRows, csvSpec } from './hostileData';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** The pid of a process that has exited (so nothing answers to it, barring reuse). */
function deadPid(): number {
  const r = cp.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('modelspec evaluate on tampered run folders', function () {
  this.timeout(120000);
  let root: string;
  let specPath: string;
  let runDir: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-evaluate-'));
    specPath = path.join(root, 'project', 'tiny.model.json');
    fs.mkdirSync(path.dirname(specPath));
    fs.writeFileSync(path.join(root, 'project', 'train.csv'), csvRows(90));
    fs.writeFileSync(path.join(root, 'project', 'test.csv'), csvRows(30, 7));
    fs.writeFileSync(specPath, csvSpec());
    const msgs: FromTrainer[] = [];
    await train({ type: 'start', specPath, specText: csvSpec(), runsDir: path.join(root, 'runs'), backend: 'auto' }, { emit: (m) => msgs.push(m), cancelled: () => false });
    const done = msgs.find((m) => m.type === 'done');
    assert.ok(done?.type === 'done' && done.status === 'completed', JSON.stringify(msgs.filter((m) => m.type === 'error')));
    runDir = done.runDir;
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A copy of the run, changed by `tamper` (given the copy's folder). */
  let copies = 0;
  function tampered(tamper: (dir: string) => void): string {
    const dir = path.join(root, `copy-${++copies}`);
    fs.cpSync(runDir, dir, { recursive: true });
    tamper(dir);
    return dir;
  }
  const editJson = (file: string, edit: (v: Record<string, unknown>) => unknown) => (dir: string): void => {
    const p = path.join(dir, file);
    const v = JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(p, JSON.stringify(edit(v) ?? v));
  };
  const result = (edit: (v: Record<string, unknown>) => unknown) => editJson('result.json', edit);
  const spec = (edit: (v: Record<string, unknown>) => unknown) => editJson('spec.json', edit);

  it('evaluates the untouched run, status completed', async () => {
    const r = await cli('evaluate', runDir, '--json');
    assert.strictEqual(r.code, 0, r.err);
    const ev = JSON.parse(r.out);
    assert.strictEqual(ev.status, 'completed');
    assert.strictEqual(ev.testCount, 30);
  });

  const cases: [string, (dir: string) => void, RegExp][] = [
    ['result.json is null', (d) => fs.writeFileSync(path.join(d, 'result.json'), 'null'), /result\.json is not what "modelspec train" writes: it holds no JSON object/],
    ['result.json is a list', (d) => fs.writeFileSync(path.join(d, 'result.json'), '[1, 2]'), /result\.json is not what .* it holds no JSON object/],
    ['result.json is not JSON', (d) => fs.writeFileSync(path.join(d, 'result.json'), '{"spec": '), /result\.json is not what .* it is not valid JSON/],
    ['specPath null', result((v) => { v.specPath = null; }), /"specPath" must be the absolute path of the spec file, but is null/],
    ['specPath a number', result((v) => { v.specPath = 5; }), /"specPath" must be .* but is 5/],
    ['specPath relative', result((v) => { v.specPath = '../../x.model.json'; }), /"specPath" must be the absolute path/],
    ['status null', result((v) => { v.status = null; }), /"status" must be one of "running", "completed", "cancelled", "failed", but is null/],
    ['variant a number', result((v) => { v.variant = 7; }), /"variant" must be a variant name or null, but is 7/],
    ['result.json missing', (d) => fs.rmSync(path.join(d, 'result.json')), /result\.json is missing: is .* a run folder made by "modelspec train"\?/],
    ['result.json a folder', (d) => { fs.rmSync(path.join(d, 'result.json')); fs.mkdirSync(path.join(d, 'result.json')); }, /Cannot read .*result\.json: it is a folder\./],
    ['spec.json missing', (d) => fs.rmSync(path.join(d, 'spec.json')), /spec\.json is missing/],
    ['spec.json null', (d) => fs.writeFileSync(path.join(d, 'spec.json'), 'null'), /spec\.json is not what .* it holds no JSON object/],
    ['layers null', spec((v) => { v.layers = null; }), /"layers" must be a list of layers, but is null/],
    ['a layer without shapes', spec((v) => { v.layers = [{}]; }), /layers\[0\] must be a resolved layer/],
    ['compile.loss a number', spec((v) => { (v.compile as Record<string, unknown>).loss = 5; }), /"compile\.loss" must be a known loss, but is 5/],
    ['an unknown optimizer', spec((v) => { (v.compile as Record<string, unknown>).optimizer = { type: 'Nope' }; }), /"compile\.optimizer" must be a known optimizer/],
    ['metrics a string', spec((v) => { (v.compile as Record<string, unknown>).metrics = 'accuracy'; }), /"compile\.metrics" must be a list of metrics/],
    ['fit null', spec((v) => { v.fit = null; }), /"fit\.batch_size" must be a positive integer, but is null/],
    ['no data', spec((v) => { delete v.data; }), /it has no "data" section/],
    ['a bad data section', spec((v) => { (v.data as Record<string, unknown>).scale = 'x'; }), /its data section is not valid \(data\.scale/],
    ['test data pointing elsewhere', spec((v) => { ((v.data as Record<string, unknown>).test as Record<string, unknown>).csv = '/etc/passwd'; }),
      /spec file .*tiny\.model\.json names other data than the run's spec\.json: evaluate reads data files only as the spec file a run came from names them/],
    ['weights manifest leaving the model folder', editJson('model/model.json', (v) => { (v.weightsManifest as { paths: string[] }[])[0].paths = ['../../../../etc/passwd']; }),
      /model\.json has a weights manifest that is not a list of weight files beside it/],
    ['weights missing', (d) => fs.rmSync(path.join(d, 'model', 'weights.bin')), /weights\.bin: file not found/],
    ['model.json not JSON', (d) => fs.writeFileSync(path.join(d, 'model', 'model.json'), '{'), /Cannot read .*model\.json/],
    ['the model input widened', spec((v) => { (v.layers as { inputShape: unknown }[])[0].inputShape = [null, 5]; }), /have shape 4 .* takes 5/],
  ];
  for (const [name, tamper, expected] of cases) {
    it(`refuses ${name} with a clear message`, async () => {
      const r = await cli('evaluate', tampered(tamper));
      assert.strictEqual(r.code, 1, r.out + r.err);
      assert.match(r.err, expected);
      assertNoInternalText(r.err);
    });
  }

  it('never follows a tampered specPath: /etc/shadow, or a spec elsewhere naming a secret file', async () => {
    const shadow = await cli('evaluate', tampered(result((v) => { v.specPath = '/etc/shadow'; })));
    assert.strictEqual(shadow.code, 1);
    assert.match(shadow.err, /The run's spec file \/etc\/shadow (cannot be read|is no longer a valid spec for this run)/);
    assert.doesNotMatch(shadow.err + shadow.out, /root:/);
    // A folder elsewhere with a secret in test.csv's place: the run's spec.json names test.csv, but the spec there does not.
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'test.csv'), 'SECRET-LINE,x\n');
    fs.writeFileSync(path.join(elsewhere, 'other.model.json'), '{ "name": "x" }');
    const moved = await cli('evaluate', tampered(result((v) => { v.specPath = path.join(elsewhere, 'other.model.json'); })));
    assert.strictEqual(moved.code, 1);
    assert.match(moved.err, /other\.model\.json is no longer a valid spec for this run/);
    assert.doesNotMatch(moved.err + moved.out, /SECRET/);
    assertNoInternalText(moved.err);
  });

  it('a run whose spec file is gone cannot read its data files', async () => {
    const r = await cli('evaluate', tampered(result((v) => { v.specPath = path.join(root, 'gone', 'tiny.model.json'); })));
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /The run's spec file .*gone.*tiny\.model\.json is missing: .* restore the spec file, or train it again/);
  });

  it('a FIFO in place of spec.json is refused at once, not read', async () => {
    const dir = tampered((d) => {
      fs.rmSync(path.join(d, 'spec.json'));
      cp.execFileSync('mkfifo', [path.join(d, 'spec.json')]);
    });
    const r = await cli('evaluate', dir);
    assert.strictEqual(r.code, 1);
    assert.match(r.err, /Cannot read .*spec\.json: it is not a regular file \(a FIFO, device or socket\), so it is not read\./);
  });

  it('a stale "running" run is interrupted; one whose trainer lives (or is on another machine) is running', async () => {
    const dead = deadPid();
    const stale = await cli('evaluate', tampered(result((v) => { v.status = 'running'; v.pid = dead; })), '--json');
    assert.strictEqual(stale.code, 0, stale.err);
    assert.strictEqual(JSON.parse(stale.out).status, 'interrupted');
    const text = await cli('evaluate', tampered(result((v) => { v.status = 'running'; delete v.pid; })));
    assert.match(text.out, /^Run: .* \(interrupted\)\n/);
    const noModel = await cli('evaluate', tampered((d) => {
      result((v) => { v.status = 'running'; v.pid = dead; })(d);
      fs.rmSync(path.join(d, 'model'), { recursive: true });
    }));
    assert.strictEqual(noModel.code, 1);
    assert.match(noModel.err, /has no trained model \(model\/model\.json\): the run was interrupted \(its trainer is gone\) before saving one/);
    const alive = await cli('evaluate', tampered(result((v) => { v.status = 'running'; v.pid = process.pid; v.hostname = os.hostname(); })), '--json');
    assert.strictEqual(JSON.parse(alive.out).status, 'running');
    const remote = await cli('evaluate', tampered(result((v) => { v.status = 'running'; v.pid = dead; v.hostname = `not-${os.hostname()}`; })), '--json');
    assert.strictEqual(JSON.parse(remote.out).status, 'running');
  });
});
