// The pieces Settings is made of: a section with its heading, and a switch with its hint.
import { h, uid } from '../dom';

export function toggle(label: string, hint: string, onchange: (on: boolean) => void): { el: HTMLElement; input: HTMLInputElement } {
  const id = uid('t');
  const input = h('input', { type: 'checkbox', id, class: 'switch', 'aria-describedby': `${id}-hint` });
  input.addEventListener('change', () => onchange(input.checked));
  const el = h(
    'div',
    { class: 'toggle' },
    input,
    h('div', null, h('label', { for: id, text: label }), h('p', { class: 'hint', id: `${id}-hint`, text: hint })),
  );
  return { el, input };
}

export function section(title: string, ...children: (Node | null)[]): HTMLElement {
  const id = uid('s');
  return h('section', { class: 'settings-section', 'aria-labelledby': id }, h('h3', { id, text: title }), ...children);
}
