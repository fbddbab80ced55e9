// Sign in to a known server (after signing out, or when the saved sign-in expired).
import type { Actions } from '../actions';
import { h } from '../dom';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { View } from './common';
import { connectForm } from './connectForm';

export function signInView(actions: Actions, watch: Watch): View & { focus(): void } {
  const form = connectForm(actions, watch, 'sign_in', 'Sign in');
  const el = h(
    'main',
    { class: 'welcome' },
    h(
      'div',
      { class: 'card welcome-card' },
      h('p', { class: 'brand-line' }, icon('phone', 'icon brand-icon'), 'Switchboard'),
      h('h1', { text: 'Sign in' }),
      h('p', { class: 'lead', text: 'Use the username and password your team admin gave you.' }),
      form.el,
    ),
  );
  return { el, focus: () => form.focus() };
}
