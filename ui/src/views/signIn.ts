// Sign in to a known server (after signing out, or when the saved sign-in expired), or
// create an account with an invite code (from an invite link, or typed by hand). The team
// hosts on the local network are listed under the address, as on first run's Connect: the
// way to another team's host, or to ours at its new address.
import type { Actions } from '../actions';
import { h, setText } from '../dom';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { View } from './common';
import { connectForm } from './connectForm';
import { accountForms, joinForm } from './joinForm';

export function signInView(actions: Actions, watch: Watch): View & { focus(): void } {
  const title = h('h1', { text: 'Sign in' });
  const lead = h('p', { class: 'lead' });
  const connect = connectForm(actions, watch, 'sign_in', 'Sign in', { findHosts: true });
  connect.searchHosts();
  const forms = accountForms(
    connect,
    joinForm(actions, watch, { heading: false }),
    actions,
    watch,
    (joining) => {
      setText(title, joining ? 'Create your account' : 'Sign in');
      setText(
        lead,
        joining
          ? 'Your team admin invited you. Choose the name colleagues see and how you sign in.'
          : 'Use the username and password your team admin gave you.',
      );
    },
  );
  const el = h(
    'main',
    { class: 'welcome' },
    h(
      'div',
      { class: 'card welcome-card' },
      h('p', { class: 'brand-line' }, icon('phone', 'icon brand-icon'), 'Switchboard'),
      title,
      lead,
      forms.el,
    ),
  );
  return { el, focus: () => forms.focus() };
}
