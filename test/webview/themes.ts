/**
 * The `--vscode-*` variables of VS Code's default themes (Light+, Dark+, High Contrast), as a
 * webview receives them: the panel reads nothing else for colour.
 */

/** A theme as the webview sees it: the body class VS Code sets, and the variables. */
export interface WebviewTheme {
  name: string;
  kind: 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast';
  variables: Record<string, string>;
}

const font = {
  'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  'editor-font-size': '14px',
};

export const LIGHT: WebviewTheme = {
  name: 'light',
  kind: 'vscode-light',
  variables: {
    ...font,
    'editor-background': '#ffffff', 'editor-foreground': '#000000', foreground: '#616161',
    descriptionForeground: '#717171', disabledForeground: 'rgba(97, 97, 97, 0.5)', errorForeground: '#a1260d',
    focusBorder: '#0090f1', 'editor-selectionBackground': '#add6ff', 'editorWidget-background': '#f3f3f3',
    'button-background': '#007acc', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0062a3',
    'button-secondaryBackground': '#5f6a79', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#4c5561',
    'checkbox-background': '#ffffff', 'checkbox-border': '#919191', 'checkbox-foreground': '#616161',
    'dropdown-background': '#ffffff', 'dropdown-border': '#cecece', 'dropdown-foreground': '#616161',
    'input-background': '#ffffff', 'input-foreground': '#616161', 'input-placeholderForeground': '#767676',
    'list-activeSelectionBackground': '#0060c0', 'list-activeSelectionForeground': '#ffffff', 'list-hoverBackground': '#e8e8e8',
    'list-inactiveSelectionBackground': '#e4e6f1',
    'panel-background': '#ffffff', 'panel-border': 'rgba(128, 128, 128, 0.35)', 'panelTitle-activeBorder': '#424242',
    'panelTitle-activeForeground': '#424242', 'panelTitle-inactiveForeground': 'rgba(66, 66, 66, 0.75)',
    'progressBar-background': '#0e70c0', 'textLink-foreground': '#006ab1', 'textLink-activeForeground': '#006ab1',
    'badge-background': '#c4c4c4', 'badge-foreground': '#333333',
    'charts-foreground': '#616161', 'charts-lines': 'rgba(97, 97, 97, 0.5)', 'charts-red': '#e51400', 'charts-blue': '#1a85ff',
    'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90',
  },
};

export const DARK: WebviewTheme = {
  name: 'dark',
  kind: 'vscode-dark',
  variables: {
    ...font,
    'editor-background': '#1e1e1e', 'editor-foreground': '#d4d4d4', foreground: '#cccccc',
    descriptionForeground: 'rgba(204, 204, 204, 0.7)', disabledForeground: 'rgba(204, 204, 204, 0.5)', errorForeground: '#f48771',
    focusBorder: '#007fd4', 'editor-selectionBackground': '#264f78', 'editorWidget-background': '#252526',
    'button-background': '#0e639c', 'button-foreground': '#ffffff', 'button-hoverBackground': '#1177bb',
    'button-secondaryBackground': '#3a3d41', 'button-secondaryForeground': '#ffffff', 'button-secondaryHoverBackground': '#45494e',
    'checkbox-background': '#3c3c3c', 'checkbox-border': '#6b6b6b', 'checkbox-foreground': '#f0f0f0',
    'dropdown-background': '#3c3c3c', 'dropdown-border': '#3c3c3c', 'dropdown-foreground': '#f0f0f0',
    'input-background': '#3c3c3c', 'input-foreground': '#cccccc', 'input-placeholderForeground': '#a6a6a6',
    'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff', 'list-hoverBackground': '#2a2d2e',
    'list-inactiveSelectionBackground': '#37373d',
    'panel-background': '#1e1e1e', 'panel-border': 'rgba(128, 128, 128, 0.35)', 'panelTitle-activeBorder': '#e7e7e7',
    'panelTitle-activeForeground': '#e7e7e7', 'panelTitle-inactiveForeground': 'rgba(231, 231, 231, 0.6)',
    'progressBar-background': '#0e70c0', 'textLink-foreground': '#3794ff', 'textLink-activeForeground': '#3794ff',
    'badge-background': '#4d4d4d', 'badge-foreground': '#ffffff',
    'charts-foreground': '#cccccc', 'charts-lines': 'rgba(204, 204, 204, 0.5)', 'charts-red': '#f14c4c', 'charts-blue': '#3794ff',
    'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
  },
};

/** High Contrast (dark): many backgrounds are unset, borders carry the structure. */
export const HIGH_CONTRAST: WebviewTheme = {
  name: 'high-contrast',
  kind: 'vscode-high-contrast',
  variables: {
    ...font,
    'editor-background': '#000000', 'editor-foreground': '#ffffff', foreground: '#ffffff',
    descriptionForeground: 'rgba(255, 255, 255, 0.7)', disabledForeground: '#a5a5a5', errorForeground: '#f48771',
    focusBorder: '#f38518', contrastBorder: '#6fc3df', contrastActiveBorder: '#f38518',
    'editor-selectionBackground': '#ffffff', 'editorWidget-background': '#0c141f',
    'button-border': '#6fc3df', 'button-foreground': '#ffffff', 'button-secondaryForeground': '#ffffff',
    'checkbox-background': '#000000', 'checkbox-border': '#6fc3df', 'checkbox-foreground': '#ffffff',
    'dropdown-background': '#000000', 'dropdown-border': '#6fc3df', 'dropdown-foreground': '#ffffff',
    'input-background': '#000000', 'input-foreground': '#ffffff', 'input-placeholderForeground': 'rgba(255, 255, 255, 0.7)',
    'panel-background': '#000000', 'panel-border': '#6fc3df', 'panelTitle-activeBorder': '#6fc3df',
    'panelTitle-activeForeground': '#ffffff', 'panelTitle-inactiveForeground': '#ffffff',
    'progressBar-background': '#6fc3df', 'textLink-foreground': '#21a6ff', 'textLink-activeForeground': '#21a6ff',
    'badge-background': '#000000', 'badge-foreground': '#ffffff',
    'charts-foreground': '#ffffff', 'charts-lines': 'rgba(255, 255, 255, 0.5)', 'charts-red': '#f14c4c', 'charts-blue': '#3794ff',
    'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
  },
};

/** The theme as CSS, the way VS Code injects it: variables on `:root`. */
export function themeCss(theme: WebviewTheme): string {
  const lines = Object.entries(theme.variables).map(([k, v]) => `  --vscode-${k}: ${v};`);
  return `:root {\n${lines.join('\n')}\n}\n`;
}
