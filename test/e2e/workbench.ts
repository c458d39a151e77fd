/**
 * Driving the VS Code workbench in Chromium the way a user does: keyboard shortcuts, the
 * command palette, Quick Open. Every wait is for a condition on the page, never a fixed delay.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Runs in the page, whose DOM types this Node project does not include. */
declare const getComputedStyle: (element: unknown, pseudo: string) => { backgroundImage: string };

/** Debian's Chromium; `.ci/run` installs it with apt. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Chromium with the flags that keep it offline and quiet. `env` is the
 * scratch environment: Playwright makes the browser profile in this process's temp folder, so
 * that moves into the scratch folder too.
 */
export function launchBrowser(env: NodeJS.ProcessEnv): Promise<Browser> {
  process.env.TMPDIR = env.TMPDIR;
  return chromium.launch({
    executablePath: CHROMIUM,
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** The workbench of one code-server window. */
export class Workbench {
  private shot = 0;

  constructor(readonly page: Page, private readonly artifacts: string) {
    fs.mkdirSync(artifacts, { recursive: true });
  }

  /** Opens the workbench on `folder` and waits until it is interactive. */
  async open(url: string, folder: string): Promise<void> {
    await this.page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await this.page.locator('.monaco-workbench').waitFor();
    // The explorer lists the folder once the remote file system is up.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor();
  }

  /** Saves `NN-name.png` in the artifacts folder and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** The quick input box (command palette, Quick Open, Go to Line). */
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget input');
  }

  /**
   * Runs a command from the palette by its title, e.g. `Model Spec: Show Summary`. A command
   * that asks something in a quick pick of its own keeps the widget open: pass its title.
   */
  async command(title: string, asks?: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.quickInput.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await this.page.keyboard.press('Enter');
    if (asks) await this.page.locator('.quick-input-widget:not(.quick-input-widget-closing)', { hasText: asks }).waitFor();
    else await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Opens a workspace file with Quick Open (Ctrl+P), as a user types its name. */
  async openFile(relativePath: string): Promise<void> {
    const name = path.basename(relativePath);
    await this.page.keyboard.press('Control+P');
    await this.quickInput.fill(relativePath);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await this.editor.locator('.view-lines').waitFor();
  }

  /** The active text editor. */
  get editor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Puts the keyboard focus back in the active editor (View: Focus First Editor Group). */
  async focusEditor(): Promise<void> {
    await this.page.keyboard.press('Control+1');
    await this.page.locator('.editor-group-container.active .monaco-editor.focused').waitFor();
  }

  /** Rows of the Problems panel: a row per file, then a row per problem. */
  get problems(): Locator {
    return this.page.locator('.markers-panel .monaco-list-row');
  }

  /** Moves the cursor to a 1-based line and column with Go to Line (Ctrl+G). */
  async goTo(line: number, column: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    await this.quickInput.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await this.page.locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` }).waitFor();
  }

  /** The image a file icon label draws (file icons are `::before` backgrounds). */
  iconImage(label: Locator): Promise<string> {
    return label.evaluate((el) => getComputedStyle(el, '::before').backgroundImage);
  }

  /** A status bar item by its text. */
  statusItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text });
  }

  /**
   * What the window shows, in words, for the log of a failed test (a CI log is all there is to
   * read there): each editor group's tabs (* active, the active group marked), the focused
   * element, notifications, dialogs, the quick input and a context menu.
   */
  async describeState(): Promise<string> {
    return this.page.evaluate(DESCRIBE_STATE);
  }
}

/** Runs in the page (a string, as this Node project has no DOM types). */
const DESCRIBE_STATE = `(() => {
  const text = (el) => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 200);
  const all = (sel) => [...document.querySelectorAll(sel)];
  const lines = all('.editor-group-container').map((g, i) => 'group ' + (i + 1) + (g.classList.contains('active') ? ' (active)' : '') + ': '
    + (g.querySelectorAll('.tab').length ? [...g.querySelectorAll('.tab')].map((t) => (t.classList.contains('active') ? '*' : '') + text(t)).join(' | ') : '(no tabs)'));
  const focused = document.activeElement;
  lines.push('focus: ' + (focused ? focused.tagName.toLowerCase() + '.' + [...focused.classList].join('.') + ' in ' + (focused.closest('[id]')?.id || '-') : 'none'));
  for (const n of all('.notification-toast, .notifications-center .notification-list-item')) lines.push('notification: ' + text(n));
  for (const d of all('.monaco-dialog-box')) lines.push('dialog: ' + text(d));
  for (const q of all('.quick-input-widget')) if (q.style.display !== 'none') lines.push('quick input: ' + text(q));
  for (const c of all('.context-view .monaco-menu')) lines.push('context menu: ' + text(c));
  lines.push('status bar: ' + all('.statusbar-item').map(text).filter(Boolean).join(' | '));
  return lines.join('\\n');
})()`;

/** Polls `check` until it returns a value: for files and attribute values, which have no locator to wait on. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
