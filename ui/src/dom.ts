// Small DOM helpers: build elements without innerHTML (names come from the server),
// and patch text and attributes only when they change.

type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value as EventListener);
      } else if (key === 'class') {
        el.className = String(value);
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'value' || key === 'checked') {
        (el as unknown as Record<string, unknown>)[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

let counter = 0;
/** A unique id for label/aria-describedby wiring. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el: Element, name: string, value: string | boolean | null): void {
  if (value === null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const v = value === true ? '' : value;
  if (el.getAttribute(name) !== v) el.setAttribute(name, v);
}

/** Setting `disabled` to what it already is still rewrites the attribute; this does not. */
export function setDisabled(el: HTMLButtonElement | HTMLInputElement | HTMLSelectElement, disabled: boolean): void {
  if (el.disabled !== disabled) el.disabled = disabled;
}

export function show(el: HTMLElement, visible: boolean): void {
  if (el.hidden === visible) el.hidden = !visible;
}

/** A labelled form field: label, control, optional hint under it. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement,
  hint?: string,
): HTMLDivElement {
  const id = control.id || uid('f');
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, hintEl);
}

/** An always-present alert region; empty (and hidden by CSS) until there is an error. */
export function alertRegion(): HTMLDivElement {
  return h('div', { class: 'alert', role: 'alert' });
}

/** Replace an element's options with `[value, label]` pairs, keeping `selected`. The
 * options already on the page are the memo: they are rebuilt only when they differ. */
export function setOptions(select: HTMLSelectElement, options: [string, string][], selected: string): void {
  const current = select.options;
  const same = current.length === options.length && options.every(([v, l], i) => current[i].value === v && current[i].textContent === l);
  if (!same) select.replaceChildren(...options.map(([v, l]) => h('option', { value: v, text: l })));
  if (select.value !== selected) select.value = selected;
}

/** Everything else in the page's top-level element that holds `el` made inert, as under a
 * dialog (for a part of the page shown over the rest); returns what undoes it. What was
 * inert before stays so. */
export function inertAround(el: HTMLElement): () => void {
  const made: HTMLElement[] = [];
  for (let node: HTMLElement = el; node.parentElement && node.parentElement !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      if (sibling === node || !(sibling instanceof HTMLElement) || sibling.inert) continue;
      sibling.inert = true;
      made.push(sibling);
    }
  }
  return () => {
    for (const m of made) m.inert = false;
  };
}
