/**
 * Colours for canvases, read from VS Code's `--vscode-*` theme variables (a canvas cannot use
 * CSS variables itself), and a signal when the theme changes.
 */

/** The colours and font a chart draws with. */
export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  font: string;
  fontSize: number;
  train: string;
  validation: string;
  best: string;
  stopped: string;
  learningRate: string;
  /** Distinct colours for overlaid runs, in order. */
  palette: string[];
}

/** The computed value of a theme variable, trying each name in turn. */
export function themeColor(...names: string[]): string {
  const styles = getComputedStyle(document.body);
  for (const name of names) {
    const value = styles.getPropertyValue(name).trim();
    if (value) return value;
  }
  // Every VS Code theme defines --vscode-foreground; the body's own colour comes from it.
  return styles.color;
}

/** The chart colours of the current theme. */
export function chartTheme(): ChartTheme {
  const styles = getComputedStyle(document.body);
  const fontSize = parseFloat(styles.getPropertyValue('--vscode-font-size')) || 13;
  const family = styles.getPropertyValue('--vscode-font-family').trim() || styles.fontFamily;
  const blue = themeColor('--vscode-charts-blue');
  const orange = themeColor('--vscode-charts-orange');
  const green = themeColor('--vscode-charts-green');
  const red = themeColor('--vscode-charts-red', '--vscode-errorForeground');
  const purple = themeColor('--vscode-charts-purple');
  const yellow = themeColor('--vscode-charts-yellow');
  return {
    foreground: themeColor('--vscode-charts-foreground', '--vscode-foreground'),
    muted: themeColor('--vscode-descriptionForeground', '--vscode-foreground'),
    grid: themeColor('--vscode-charts-lines', '--vscode-panel-border', '--vscode-contrastBorder'),
    background: themeColor('--vscode-editor-background'),
    font: family,
    fontSize,
    train: blue,
    validation: orange,
    best: green,
    stopped: red,
    learningRate: purple,
    palette: [blue, orange, green, purple, red, yellow],
  };
}

/**
 * Calls `onChange` when VS Code switches theme: it changes the body's class
 * (`vscode-light`, `vscode-dark`, `vscode-high-contrast`) and the variables on `<html>`.
 */
export function onThemeChange(onChange: () => void): void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
