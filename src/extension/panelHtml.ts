/**
 * The training panel's HTML page. Pure (no `vscode`): the extension passes the webview's URIs
 * as strings, and the browser tests build the same page with their own.
 */

/** What the page needs from its host. */
export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the script, stylesheet and fonts are served from. */
  cspSource: string;
  /** A fresh random value per page load; only the script with it runs. */
  nonce: string;
  /** URI of `dist/webview/panel.js`. */
  scriptUri: string;
  /** URI of `dist/webview/panel.css`. */
  styleUri: string;
}

/**
 * The Content-Security-Policy: nothing remote, no inline script or style attribute, only our
 * own script (by nonce) and stylesheet; `data:` images for chart exports.
 */
export function panelCsp(o: Pick<PanelHtmlOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
}

/** A fresh nonce: 32 characters from [A-Za-z0-9], from the platform's secure random source. */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let nonce = '';
  while (nonce.length < 32) {
    // Bytes of 248 (= 62 * 4) and up would favour the first characters: skip them.
    for (const b of globalThis.crypto.getRandomValues(new Uint8Array(32))) {
      if (b < 248 && nonce.length < 32) nonce += chars.charAt(b % 62);
    }
  }
  return nonce;
}

/**
 * The page: a CSP, the stylesheet, an empty root the script fills, and the script. The
 * `csp-nonce` meta is read by the UI toolkit (FAST), which adds a style element with that nonce
 * to test for `:focus-visible` support.
 */
export function panelHtml(o: PanelHtmlOptions): string {
  const attr = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(panelCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${attr(o.nonce)}">
<link rel="stylesheet" href="${attr(o.styleUri)}" nonce="${attr(o.nonce)}">
<title>Model Spec: training</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
