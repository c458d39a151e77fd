/**
 * What every view of the panel shares: the user's view settings (kept by the webview, not the
 * host) and the way to talk to the host.
 */
import type { FromWebview, PanelTab } from '../src/panel/protocol';
import type { ChartTheme } from './theme';

/** View settings that are the webview's own: saved with `setState`, never sent to the host. */
export interface UiState {
  tab: PanelTab;
  /** The Health view overlays the compared runs instead of showing the run in view. */
  healthOverlay: boolean;
  logScale: boolean;
  /** TensorBoard-style smoothing weight, 0 (raw) to 0.95. */
  smoothing: number;
  /** The validation metric the comparison chart overlays (`null`: a sensible default). */
  compareMetric: string | null;
  /** Comparison table order (`null`: best of the first validation metric). */
  sort: { key: string; direction: 'ascending' | 'descending' } | null;
}

/** Defaults for a panel opened for the first time. */
export const DEFAULT_UI: UiState = { tab: 'training', logScale: false, smoothing: 0, compareMetric: null, sort: null, healthOverlay: false };

/** Handed to each view. */
export interface ViewContext {
  post(message: FromWebview): void;
  readonly ui: UiState;
  /** Changes view settings, saves them and redraws. */
  setUi(patch: Partial<UiState>): void;
  theme(): ChartTheme;
}
