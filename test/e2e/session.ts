/**
 * One code-server window per e2e file: installs code-server (cached), packages and installs the
 * extension, copies a workspace, opens it in Chromium, and tears everything down. Screenshots
 * of failures and the server log go to test-artifacts/e2e/<name>/.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { CACHE_DIR, Scratch, codeServerCli, ensureCodeServer, startCodeServer, type RunningServer } from '../../scripts/e2e/codeServer';
import { Workbench, launchBrowser } from './workbench';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

let packaged: string | undefined;

/** Builds the .vsix once per test process: the same file a user installs. */
function vsix(): string {
  if (!packaged) {
    const file = path.join(CACHE_DIR, 'model-spec.vsix');
    execFileSync('npm', ['run', '--silent', 'vsix', '--', '--out', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    packaged = file;
  }
  return packaged;
}

export interface Session {
  wb: Workbench;
  /** The workspace folder code-server has open. */
  workspace: string;
}

/**
 * Registers mocha hooks in the calling `describe` that open a window on a fresh workspace;
 * `prepare` fills the workspace first. Returns the session once `before` has run.
 */
export function codeServerSession(name: string, prepare: (workspace: string) => void): () => Session {
  const artifacts = path.join(ROOT, 'test-artifacts', 'e2e', name);
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let session: Session | undefined;

  before(async function () {
    // The first run installs code-server (about 2 minutes); later runs reuse the cache.
    this.timeout(15 * 60_000);
    const log = (line: string): void => console.log(`    ${line}`);
    ensureCodeServer(log);
    fs.rmSync(artifacts, { recursive: true, force: true });
    const file = vsix();
    const scratch = new Scratch(path.join(CACHE_DIR, `run-${name}`));
    scratch.reset();
    prepare(scratch.workspace);
    codeServerCli(scratch, ['--install-extension', file, '--force']);
    server = await startCodeServer(scratch, scratch.workspace);
    log(`code-server ${server.url}, workspace ${path.relative(ROOT, scratch.workspace)}`);
    browser = await launchBrowser(scratch.env());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    const wb = new Workbench(page, artifacts);
    await wb.open(server.url, scratch.workspace);
    session = { wb, workspace: scratch.workspace };
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const file = await session.wb.screenshot(`FAILED-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
      if (file) console.log(`      screenshot: ${path.relative(ROOT, file)}`);
      const state = await session.wb.describeState().catch((e: Error) => `(the page did not answer: ${e.message})`);
      console.log(state.split('\n').map((l) => `      ${l}`).join('\n'));
    }
  });

  after(async function () {
    this.timeout(60_000);
    await browser?.close();
    if (server) {
      if (this.test?.parent?.tests.some((t) => t.state === 'failed')) {
        fs.mkdirSync(artifacts, { recursive: true });
        fs.writeFileSync(path.join(artifacts, 'code-server.log'), server.output());
      }
      await server.stop();
    }
  });

  return () => {
    if (!session) throw new Error('The code-server session did not start (see the before hook).');
    return session;
  };
}
