/**
 * Runs the panel's webview bundle the way VS Code would, in headless Chromium: the real HTML
 * (`panelHtml`) with the real CSP, served from a loopback HTTP server, a stub of
 * `acquireVsCodeApi` wired to a real `PanelHost`, and every console error, page error and CSP
 * violation collected so a test can fail on them.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PanelHost, type HostRequest } from '../../src/extension/panelHost';
import { makeNonce, panelHtml } from '../../src/extension/panelHtml';
import type { FromWebview, ToWebview } from '../../src/panel/protocol';
import { themeCss, type WebviewTheme } from './themes';

export const REPO = path.resolve(__dirname, '../../..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts', 'webview');
const BUNDLE = path.join(REPO, 'dist', 'webview');

/** Debian's Chromium, or the one named by $CHROMIUM. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && fs.existsSync(p)) ?? null;
}

/** Serves the panel page (per theme) and the built bundle from 127.0.0.1. */
export class PanelServer {
  private constructor(private readonly server: http.Server, readonly origin: string) {}

  static async start(): Promise<PanelServer> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/panel.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(testPage(`http://${req.headers.host}`, url.searchParams.get('theme') ?? ''));
        return;
      }
      if (url.pathname === '/favicon.ico') {
        // A browser tab asks for one; a webview does not. Answer so it is not a console error.
        res.writeHead(204);
        res.end();
        return;
      }
      const file = path.join(BUNDLE, path.basename(url.pathname));
      if (url.pathname.startsWith('/dist/webview/') && fs.existsSync(file)) {
        const type = file.endsWith('.css') ? 'text/css' : file.endsWith('.js') ? 'text/javascript' : 'application/json';
        res.writeHead(200, { 'content-type': type });
        res.end(fs.readFileSync(file));
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new PanelServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const themes = new Map<string, WebviewTheme>();

/** Makes a theme available to pages as `?theme=<name>`. */
export function registerTheme(theme: WebviewTheme): void {
  themes.set(theme.name, theme);
}

/**
 * The extension's page, plus what VS Code itself adds to a webview: the theme's variables and
 * the body's theme class. The variables go in a style element with the page's nonce (VS Code
 * sets them from outside the page, where the CSP does not reach).
 */
function testPage(origin: string, themeName: string): string {
  const nonce = makeNonce();
  const theme = themes.get(themeName);
  let html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview/panel.js`, styleUri: `${origin}/dist/webview/panel.css` });
  if (theme) {
    html = html.replace('</head>', `<style nonce="${nonce}">\n${themeCss(theme)}</style>\n</head>`);
    html = html.replace('<body>', `<body class="${theme.kind}" data-vscode-theme-kind="${theme.kind}" data-vscode-theme-name="${theme.name}">`);
  }
  return html;
}

/** Page-side stub of the webview API and test probes; plain JS, run before the page's scripts. */
function initScript(savedState: unknown): string {
  return `(() => {
  const posted = [];
  let saved = ${JSON.stringify(savedState ?? null)} ?? undefined;
  window.__posted = posted;
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber);
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    // VS Code allows one call per page.
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return Object.freeze({
      postMessage(message) {
        const copy = JSON.parse(JSON.stringify(message));
        posted.push(copy);
        if (window.__toHost) window.__toHost(copy);
      },
      getState: () => saved,
      setState(state) {
        saved = JSON.parse(JSON.stringify(state));
        window.__savedState = saved;
        return state;
      },
    });
  };
  window.__push = (message) => window.dispatchEvent(new MessageEvent('message', { data: message }));
  window.__probe = {
    /** Pixels that are not fully transparent or black, per canvas. */
    inked(selector) {
      return [...document.querySelectorAll(selector)].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] || d[i + 1] || d[i + 2])) n++;
        return n;
      });
    },
    canvases(selector) {
      return [...document.querySelectorAll(selector)].map((c) => c.toDataURL());
    },
  };
})();`;
}

/** Waits (polling, no fixed sleep) until `predicate` holds; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Launches Chromium headless. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** Options for one page. */
export interface OpenOptions {
  theme?: WebviewTheme;
  /** What `getState()` returns, as if the panel had been hidden and shown again. */
  savedState?: unknown;
  /** Leave the page without a host: `ready` goes unanswered. */
  noHost?: boolean;
  width?: number;
  height?: number;
}

/** One panel page and the host behind it. */
export class PanelPage {
  readonly errors: string[] = [];
  readonly requests: HostRequest[] = [];
  readonly host: PanelHost;
  private delivery: Promise<unknown> = Promise.resolve();

  private constructor(readonly page: Page) {
    // The timer never fires on its own: tests flush when they want the webview to hear.
    this.host = new PanelHost({ post: (m) => this.push(m), onRequest: (r) => this.requests.push(r), schedule: () => () => undefined });
  }

  static async open(browser: Browser, server: PanelServer, options: OpenOptions = {}): Promise<PanelPage> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const panel = new PanelPage(page);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') panel.errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => panel.errors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => panel.errors.push(`request failed: ${r.url()}`));
    page.on('response', (r) => {
      if (r.status() >= 400) panel.errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    if (!options.noHost) {
      await page.exposeBinding('__toHost', (_source, message: FromWebview) => panel.host.receive(message));
    }
    await page.addInitScript(initScript(options.savedState));
    if (options.theme) registerTheme(options.theme);
    await page.goto(`${server.origin}/panel.html?theme=${options.theme?.name ?? ''}`);
    return panel;
  }

  /** Sends a message to the webview, after every earlier one. */
  push(message: ToWebview): void {
    const json = JSON.stringify(message);
    this.delivery = this.delivery.then(() => this.page.evaluate(`window.__push(${json})`));
  }

  /** Flushes the host's pending actions and waits until the webview has them and has drawn them. */
  async sync(): Promise<void> {
    this.host.flush();
    await this.delivery;
    await this.drawn(this.host.state.seq);
  }

  /** Waits until the webview has drawn the state with sequence number `seq`, and one frame more. */
  async drawn(seq: number): Promise<void> {
    await this.page.locator(`#app[data-seq="${seq}"]`).waitFor({ state: 'attached' });
    await this.page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  }

  /**
   * Waits until a page expression is true. Polled from here with `evaluate`, which the page's CSP
   * does not govern: `page.waitForFunction` compiles its predicate in the page, and the CSP
   * (rightly) forbids that.
   */
  async until(expression: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.page.evaluate(expression))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Messages the webview posted to the host, oldest first. */
  posted(): Promise<FromWebview[]> {
    return this.page.evaluate('window.__posted') as Promise<FromWebview[]>;
  }

  /** CSP violations seen by the page, plus console and page errors. */
  async problems(): Promise<string[]> {
    const csp = (await this.page.evaluate('window.__cspViolations')) as string[];
    return [...csp.map((v) => `CSP violation: ${v}`), ...this.errors];
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
