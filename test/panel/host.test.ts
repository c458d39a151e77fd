import * as assert from 'assert';
import { PanelHost, type HostRequest } from '../../src/extension/panelHost';
import { panelCsp, panelHtml, makeNonce } from '../../src/extension/panelHtml';
import type { PanelState, ToWebview } from '../../src/panel/protocol';
import { applyAction } from '../../src/panel/state';
import { notebookRuns, syntheticRun } from './syntheticRuns';

/** A host whose timer the test fires by hand. */
function makeHost(): { host: PanelHost; posted: ToWebview[]; requests: HostRequest[]; fire(): void } {
  const posted: ToWebview[] = [];
  const requests: HostRequest[] = [];
  let timer: (() => void) | null = null;
  const host = new PanelHost({
    post: (m) => posted.push(JSON.parse(JSON.stringify(m)) as ToWebview),
    onRequest: (r) => requests.push(r),
    schedule: (callback) => {
      timer = callback;
      return () => { timer = null; };
    },
  });
  return { host, posted, requests, fire: () => timer?.() };
}

/** What the webview does with the host's messages. */
function webviewApply(local: PanelState | null, message: ToWebview): PanelState | null {
  if (message.type === 'state') return message.state;
  if (message.type === 'focus') return local;
  if (!local || message.seq > local.seq) return null;
  message.actions.slice(local.seq - message.seq).forEach((a) => applyAction(local, a));
  return local;
}

describe('panel host', () => {
  it('batches actions into one update per interval and answers ready with the whole state', () => {
    const { host, posted, fire } = makeHost();
    const [o] = notebookRuns(2, 50, 10);
    const messages = [...syntheticRun(o)];
    for (const message of messages.slice(0, 5)) host.dispatch({ type: 'trainer', runId: o.runDir, message });
    assert.strictEqual(posted.length, 0, 'nothing is posted before the timer fires');
    fire();
    assert.strictEqual(posted.length, 1);
    assert.deepStrictEqual(posted[0].type === 'update' && [posted[0].seq, posted[0].actions.length], [0, 5]);

    // A webview that reloads: `ready` gets the state, including actions not yet flushed.
    for (const message of messages.slice(5, 9)) host.dispatch({ type: 'trainer', runId: o.runDir, message });
    host.receive({ type: 'ready' });
    assert.strictEqual(posted.length, 2);
    assert.strictEqual(posted[1].type, 'state');
    fire();
    assert.strictEqual(posted.length, 2, 'the flushed-by-state actions are not sent again');

    for (const message of messages.slice(9)) host.dispatch({ type: 'trainer', runId: o.runDir, message });
    fire();
    let local: PanelState | null = null;
    for (const m of posted.slice(1)) local = webviewApply(local, m);
    assert.deepStrictEqual(local, JSON.parse(JSON.stringify(host.state)), 'the webview ends with the host\'s state');
  });

  it('lets a webview skip actions it already has and detect a gap', () => {
    const { host, posted, fire } = makeHost();
    const [o] = notebookRuns(1, 10, 5);
    const messages = [...syntheticRun(o)];
    host.dispatch({ type: 'trainer', runId: o.runDir, message: messages[0] });
    host.dispatch({ type: 'trainer', runId: o.runDir, message: messages[1] });
    fire();
    host.dispatch({ type: 'trainer', runId: o.runDir, message: messages[2] });
    fire();
    const [first, second] = posted;
    assert.ok(first.type === 'update' && second.type === 'update');
    assert.strictEqual(second.seq, 2);
    const seen = webviewApply(webviewApply(JSON.parse(JSON.stringify({ seq: 0, runs: {}, activeRunId: null, pastRuns: [], comparedRunIds: null })), first), first);
    assert.strictEqual(seen?.seq, 2, 'a repeated update is skipped');
    assert.strictEqual(webviewApply({ ...seen!, seq: 1 }, second), null, 'a gap asks for the state again');
  });

  it('handles selectRuns itself and passes other requests on', () => {
    const { host, posted, requests, fire } = makeHost();
    host.receive({ type: 'selectRuns', runIds: ['a'] });
    host.receive({ type: 'openRun', runId: 'a' });
    host.receive({ type: 'stop', runId: 'a' });
    host.receive({ type: 'exportCsv', fileName: 'x.csv', csv: 'a\r\n' });
    fire();
    assert.deepStrictEqual(host.state.comparedRunIds, ['a']);
    assert.deepStrictEqual(requests.map((r) => r.type), ['openRun', 'stop', 'exportCsv']);
    assert.strictEqual(posted.length, 1);
    host.dispatch({ type: 'showRun', runId: 'a' });
    host.dispatch({ type: 'showRun', runId: 'a' });
    host.flush();
    assert.strictEqual(posted.length, 2);
    host.dispose();
  });
});

describe('panel html', () => {
  it('has the strict CSP, a nonce on the script, and escapes what it is given', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
    assert.notStrictEqual(makeNonce(), nonce);
    const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x/panel.js?a=1&b="2"', styleUri: 'https://x/panel.css' });
    assert.ok(html.includes(`content="${panelCsp({ cspSource: 'https://x.vscode-cdn.net', nonce })}"`));
    assert.strictEqual(panelCsp({ cspSource: 'S', nonce: 'N' }), "default-src 'none'; img-src S data:; style-src S 'nonce-N'; script-src 'nonce-N'; font-src S");
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/panel.js?a=1&amp;b=&quot;2&quot;"></script>`));
    assert.ok(!/\s(style|on\w+)="/.test(html), 'no inline style or handler attributes');
  });
});
