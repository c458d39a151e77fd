/**
 * Building DOM without HTML strings: every text goes in as a text node, so names from specs and
 * run folders can never become markup. Plus the number formats the panel shows.
 */

type Child = Node | string | null | undefined | false;

/** Element options: class, attributes (never `style` or `on*`: the CSP forbids them), text. */
export interface ElementOptions {
  class?: string;
  attrs?: Record<string, string>;
}

/** Creates an element with options and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (options?.class) el.className = options.class;
  for (const [name, value] of Object.entries(options?.attrs ?? {})) {
    // The CSP blocks these anyway; failing here finds the mistake before a user does.
    if (/^(style|on)/i.test(name)) throw new Error(`h(): no ${name} attribute (CSP)`);
    el.setAttribute(name, value);
  }
  append(el, children);
  return el;
}

/** Appends children; strings become text nodes, empty values are skipped. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Sets text only when it changed, so a render that changes nothing touches nothing. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A metric value: 4 decimals (as Keras prints), `-` for none. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 1000) return formatInteger(Math.round(value));
  if (value !== 0 && Math.abs(value) < 0.0001) return value.toExponential(2);
  return value.toFixed(4);
}

/** A count with thousands separators, as Keras's summary prints them. */
export function formatInteger(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return Math.round(value).toLocaleString('en-US');
}

/** A duration: `8.1 s`, `2 min 05 s`, `1 h 02 min`. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A probability as a percentage with one decimal. */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** A Keras output shape: `(None, 28, 28)`. */
export function formatShape(shape: readonly (number | null)[]): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}
