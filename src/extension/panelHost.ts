/**
 * The host side of the panel without `vscode`: it owns the panel state, applies actions to it,
 * forwards them to the webview in batches, and answers `ready` with the whole state. The
 * extension's WebviewPanel wraps one of these; the tests drive one directly.
 */
import type { FromWebview, PanelAction, PanelState, ToWebview } from '../panel/protocol';
import { applyAction, initialPanelState } from '../panel/state';

/**
 * The slowest the webview hears of a change. Below the trainer's 250 ms batch interval, so the
 * panel keeps up with every batch message it gets; still few enough posts for a fast run.
 */
export const FLUSH_INTERVAL_MS = 100;

/** Requests the host must act on itself (I/O, the trainer, dialogs). */
export type HostRequest = Exclude<FromWebview, { type: 'ready' } | { type: 'selectRuns' }>;

/** What the host needs from its surroundings. */
export interface PanelHostOptions {
  /** Sends a message to the webview (`webview.postMessage`). */
  post(message: ToWebview): void;
  /** Handles what the webview asks for beyond state: open a run, stop, export, refresh. */
  onRequest(request: HostRequest): void;
  /** Runs `callback` once after `ms`; returns a function that cancels it. Default: `setTimeout`. */
  schedule?(callback: () => void, ms: number): () => void;
  flushIntervalMs?: number;
}

/** Panel state plus batched delivery to one webview. */
export class PanelHost {
  readonly state: PanelState = initialPanelState();
  private pending: PanelAction[] = [];
  /** `state.seq` before the first pending action. */
  private pendingSeq = 0;
  private cancelFlush: (() => void) | null = null;
  private readonly schedule: (callback: () => void, ms: number) => () => void;

  constructor(private readonly options: PanelHostOptions) {
    this.schedule = options.schedule ?? ((callback, ms) => {
      const timer = setTimeout(callback, ms);
      return () => clearTimeout(timer);
    });
  }

  /** Applies an action now and sends it to the webview with the next batch. */
  dispatch(action: PanelAction): void {
    if (this.pending.length === 0) this.pendingSeq = this.state.seq;
    applyAction(this.state, action);
    this.pending.push(action);
    this.cancelFlush ??= this.schedule(() => this.flush(), this.options.flushIntervalMs ?? FLUSH_INTERVAL_MS);
  }

  /** Sends the pending actions now (e.g. before the run's last message is followed by disposal). */
  flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    if (this.pending.length === 0) return;
    const actions = this.pending;
    this.pending = [];
    this.options.post({ type: 'update', seq: this.pendingSeq, actions });
  }

  /** Handles a message from the webview. */
  receive(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        // The whole state already holds the pending actions: drop them rather than send them twice.
        this.cancelFlush?.();
        this.cancelFlush = null;
        this.pending = [];
        this.options.post({ type: 'state', state: this.state });
        return;
      case 'selectRuns':
        this.dispatch({ type: 'compareRuns', runIds: message.runIds });
        return;
      default:
        this.options.onRequest(message);
    }
  }

  /** Cancels a scheduled flush (the panel is closing). */
  dispose(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    this.pending = [];
  }
}
