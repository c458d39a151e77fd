/**
 * The Getting Started walkthrough (package.json `contributes.walkthroughs`): its steps, their
 * command links and completion events name commands that exist, and every media file is on
 * disk and in the packaged extension.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { svg?: string; image?: string | Record<string, string>; markdown?: string; altText?: string };
  completionEvents?: string[];
}
interface Manifest {
  contributes: { commands: { command: string; category?: string }[]; walkthroughs: { id: string; title: string; steps: Step[] }[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const ours = new Set(manifest.contributes.commands.map((c) => c.command));
/** VS Code's own commands the walkthrough links to (their ids are stable API). */
const BUILT_IN = new Set(['workbench.actions.view.problems', 'editor.action.quickFix', 'workbench.action.terminal.new']);
/** Imperative first words of the step titles. */
const VERBS = new Set(['Open', 'Read', 'Fix', 'Train', 'Compare', 'Export', 'Import']);

const [walkthrough] = manifest.contributes.walkthroughs;
const steps = walkthrough.steps;

function mediaFiles(step: Step): string[] {
  const m = step.media;
  const image = typeof m.image === 'string' ? [m.image] : Object.values(m.image ?? {});
  return [m.svg, m.markdown, ...image].filter((f): f is string => !!f);
}

describe('Getting Started walkthrough', () => {
  it('is one walkthrough of 4 to 6 steps with verb-first titles and unique ids', () => {
    assert.strictEqual(manifest.contributes.walkthroughs.length, 1);
    assert.ok(steps.length >= 4 && steps.length <= 6, `${steps.length} steps`);
    assert.strictEqual(new Set(steps.map((s) => s.id)).size, steps.length);
    for (const s of steps) assert.ok(VERBS.has(s.title.split(' ')[0]), `"${s.title}" does not start with a verb`);
  });

  it('every step links a command that exists, and completes on an event that can happen', () => {
    for (const s of steps) {
      const links = [...s.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${s.id} has no command link`);
      for (const c of links) assert.ok(ours.has(c) || BUILT_IN.has(c), `${s.id} links to ${c}, which package.json does not contribute`);
      assert.ok(s.completionEvents?.length, `${s.id} has no completion event`);
      for (const e of s.completionEvents ?? []) {
        const command = /^onCommand:(.+)$/.exec(e)?.[1];
        assert.ok(command ? ours.has(command) || BUILT_IN.has(command) : /^(onContext|onView|onSettingChanged|onLink|onStepSelected|onExtensionInstalled):/.test(e), `${s.id}: ${e}`);
      }
    }
  });

  it('every step has theme-aware media in media/walkthrough/, present on disk, with alt text', () => {
    for (const s of steps) {
      // An SVG drawn with VS Code's theme colours (var(--vscode-...)) follows light, dark and high contrast.
      assert.ok(s.media.svg && s.media.altText, s.id);
      const svg = fs.readFileSync(path.join(ROOT, s.media.svg), 'utf8');
      assert.match(s.media.svg, /^media\/walkthrough\/[\w-]+\.svg$/);
      assert.match(svg, /var\(--vscode-editor-background/);
      assert.doesNotMatch(svg, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${s.media.svg} loads nothing remote`);
    }
  });

  it('the packaged extension holds every walkthrough media file and every gallery example', async function () {
    this.timeout(120_000);
    // The same listing `vsce package` zips (the .vscodeignore rules), without the dependency walk.
    const vsce = require('@vscode/vsce') as { listFiles(o: { cwd: string; packageManager: number }): Promise<string[]>; PackageManager: { None: number } };
    const files = new Set(await vsce.listFiles({ cwd: ROOT, packageManager: vsce.PackageManager.None }));
    const { GALLERY } = await import('../src/core/gallery');
    const wanted = [
      ...steps.flatMap(mediaFiles),
      ...GALLERY.flatMap((e) => [`examples/${e.file}`, ...(e.dataFiles ?? []).map((f) => `examples/${f}`)]),
      'examples/data/README.md',
    ];
    assert.deepStrictEqual(wanted.filter((f) => !files.has(f)), []);
  });
});
