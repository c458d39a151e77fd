/**
 * The only file that knows about `@vscode/webview-ui-toolkit` (archived upstream): buttons,
 * checkboxes, dropdowns and tabs as plain elements with plain callbacks, so another control
 * library can replace it here without touching the views.
 */
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodePanels, vsCodePanelTab,
  vsCodePanelView,
} from '@vscode/webview-ui-toolkit';

/** Defines the toolkit's custom elements; call once before building controls. */
export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView(),
  );
}

/** A button; `secondary` for the less important action of a group. */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): HTMLElement {
  const el = document.createElement('vscode-button');
  el.textContent = label;
  if (options.secondary) el.setAttribute('appearance', 'secondary');
  if (options.title) el.title = options.title;
  el.addEventListener('click', () => {
    if (!el.hasAttribute('disabled')) onClick();
  });
  return el;
}

/** Enables or disables a control made here. */
export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute('disabled', disabled);
}

/** A checkbox whose state the caller owns: `set` changes it without calling `onChange`. */
export interface Checkbox {
  element: HTMLElement;
  set(checked: boolean): void;
}

type CheckedElement = HTMLElement & { checked: boolean };

/** A labelled checkbox. */
export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): Checkbox {
  const el = document.createElement('vscode-checkbox') as CheckedElement;
  el.textContent = label;
  el.checked = checked;
  let current = checked;
  // The toolkit also fires `change` when the value is set from code: only report the user's changes.
  el.addEventListener('change', () => {
    if (el.checked === current) return;
    current = el.checked;
    onChange(current);
  });
  return {
    element: el,
    set(value) {
      current = value;
      el.checked = value;
    },
  };
}

/** A dropdown whose options can be replaced. */
export interface Dropdown {
  element: HTMLElement;
  setOptions(options: readonly { value: string; label: string }[], value: string): void;
}

type ValueElement = HTMLElement & { value: string };

/** A dropdown with an accessible name. */
export function dropdown(ariaLabel: string, onChange: (value: string) => void): Dropdown {
  const el = document.createElement('vscode-dropdown') as ValueElement;
  el.setAttribute('aria-label', ariaLabel);
  let current = '';
  el.addEventListener('change', () => {
    if (el.value === current) return;
    current = el.value;
    onChange(current);
  });
  return {
    element: el,
    setOptions(options, value) {
      current = value;
      el.replaceChildren(...options.map((o) => {
        const option = document.createElement('vscode-option') as ValueElement;
        option.value = o.value;
        option.textContent = o.label;
        if (o.value === value) option.setAttribute('selected', '');
        return option;
      }));
      el.value = value;
    },
  };
}

/** Tabs over views; arrow keys move between tabs (the toolkit's keyboard handling). */
export interface Tabs {
  element: HTMLElement;
  select(id: string): void;
  /** Changes a tab's label (e.g. to flag what it holds). */
  setLabel(id: string, label: string): void;
}

/** Tabs; `onChange` gets the id of the tab the user picked. */
export function tabs(items: readonly { id: string; label: string; content: HTMLElement }[], active: string, onChange: (id: string) => void): Tabs {
  const el = document.createElement('vscode-panels') as HTMLElement & { activeid: string };
  const tabElements = new Map<string, HTMLElement>();
  for (const item of items) {
    const tab = document.createElement('vscode-panel-tab');
    tab.id = `tab-${item.id}`;
    tab.textContent = item.label;
    tabElements.set(item.id, tab);
    el.append(tab);
  }
  for (const item of items) {
    const view = document.createElement('vscode-panel-view');
    view.id = `view-${item.id}`;
    view.append(item.content);
    el.append(view);
  }
  el.setAttribute('activeid', `tab-${active}`);
  let current = active;
  el.addEventListener('change', (event) => {
    // `change` also bubbles up from controls inside the views: only the tabs' own counts.
    if (event.target !== el) return;
    const id = el.activeid?.replace(/^tab-/, '');
    if (id && id !== current) {
      current = id;
      onChange(id);
    }
  });
  return {
    element: el,
    select(id) {
      current = id;
      el.activeid = `tab-${id}`;
    },
    setLabel(id, label) {
      const tab = tabElements.get(id);
      if (tab && tab.textContent !== label) tab.textContent = label;
    },
  };
}
