// Settings → Team (admins only): invite a teammate with a one-time code (the recommended
// way), the invites made and what became of them, the team's accounts (disable, enable,
// delete), and, last, making an account with a password (teammates.ts).
import type { Actions } from '../actions';
import { alertRegion, field, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { displayName, formatWhen, initials, plainText } from '../format';
import { icon } from '../icons';
import { isDisabled } from '../people';
import type { Watch } from '../state';
import type { DirectoryEntry, InviteCode, InviteCodeState, TeamInvite, UserInfo } from '../types';
import { avatar, button, confirmation, setBusy, type View } from './common';
import { teammatesView } from './teammates';

/** How long a new invite works: [hours, label]; 3 days unless chosen otherwise. */
export const INVITE_LIFETIMES: [number, string][] = [
  [24, '24 hours'],
  [72, '3 days'],
  [168, '7 days'],
];
const DEFAULT_HOURS = 72;

const STATE_WORD: Record<InviteCodeState, string> = {
  open: 'Open',
  used: 'Used',
  expired: 'Expired',
  revoked: 'Withdrawn',
};

/** `formatWhen` inside a sentence: "until today 14:05", "expired Mon 3 Mar, 09:00". */
function when(iso: string): string {
  return formatWhen(iso).replace(/^(Today|Yesterday|Tomorrow)\b/, (w) => w.toLowerCase());
}

/** "switchboard://join?server=https://10.0.0.5:8000&fp=…" → "https://10.0.0.5:8000". */
function serverOf(link: string): string {
  const m = /[?&]server=([^&]+)/.exec(link);
  if (!m) return link;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** A read-only field with a Copy button; when the clipboard refuses, the text is selected
 * for Ctrl+C instead. */
function copyField(label: string, value: string, what: string, status: HTMLElement, cls = ''): HTMLElement {
  const id = uid('copy');
  const input = h('input', {
    id,
    type: 'text',
    readonly: true,
    value,
    class: `copy-input ${cls}`.trim(),
    spellcheck: 'false',
    autocomplete: 'off',
  });
  input.addEventListener('focus', () => input.select());
  const byHand = () => {
    input.focus();
    input.select();
    setText(status, `Could not copy by itself: the ${what} is selected, press Ctrl+C (⌘C on a Mac) to copy it.`);
  };
  const copy = button('Copy', {
    cls: 'ghost small',
    icon: icon('copy'),
    onclick: () => {
      if (!navigator.clipboard?.writeText) return byHand();
      navigator.clipboard.writeText(value).then(() => setText(status, `Copied the ${what}.`), byHand);
    },
  });
  copy.setAttribute('aria-label', `Copy the ${what}`);
  return h('div', { class: 'field copy-field' }, h('label', { for: id, text: label }), h('div', { class: 'copy-row' }, input, copy));
}

/** The name of the account `id`: me, someone in the directory, or one deleted since. */
type People = { me: UserInfo | null; users: DirectoryEntry[] };
function nameOf({ me, users }: People, id: number | null): string {
  if (id == null) return 'someone';
  if (me && me.id === id) return `${displayName(me)} (you)`;
  const u = users.find((x) => x.id === id);
  return u ? displayName(u) : 'an account deleted since';
}

function inviteForm(actions: Actions, watch: Watch): HTMLElement {
  const titleId = uid('invite');
  const lifetime = h(
    'select',
    { name: 'invite_hours' },
    ...INVITE_LIFETIMES.map(([hours, label]) => h('option', { value: String(hours), text: label })),
  );
  lifetime.value = String(DEFAULT_HOURS);
  const create = button('Create invite', { cls: 'primary', type: 'submit' });
  const alert = alertRegion();
  const form = h(
    'form',
    { class: 'invite-form', 'aria-labelledby': titleId },
    field('Invite works for', lifetime),
    create,
  );

  const result = h('div', { class: 'invite-created', role: 'group', 'aria-labelledby': `${titleId}-done`, tabindex: '-1', hidden: true });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (create.disabled) return;
    void actions.createInvite(Number(lifetime.value)).then((ok) => {
      if (ok) result.focus();
      else if (!form.contains(document.activeElement)) create.focus();
    });
  });

  const drawResult = (made: TeamInvite | null) => {
    show(result, !!made);
    if (!made) {
      result.replaceChildren();
      return;
    }
    const copied = h('p', { class: 'hint copied', role: 'status' });
    const links = made.links;
    const parts: (Node | null)[] = [
      h('p', { class: 'invite-created-title', id: `${titleId}-done` }, icon('users'), h('span', { text: 'Invite ready' })),
      h('p', {
        text:
          `Send it to your teammate privately. The code is shown only once, here, and works once; ` +
          `it expires ${when(made.invite.expires_at)}.`,
      }),
    ];
    if (links.length) {
      links.forEach((link) => {
        const label = links.length > 1 ? `Invite link for ${serverOf(link)}` : 'Invite link';
        parts.push(copyField(label, link, links.length > 1 ? `invite link for ${serverOf(link)}` : 'invite link', copied, 'invite-link-input'));
      });
      parts.push(
        h('p', {
          class: 'hint',
          text: 'They open the link (or paste it into Switchboard’s server address) and create their account. The link also carries the code below.',
        }),
      );
    } else {
      parts.push(
        h(
          'p',
          null,
          'Teammates open Switchboard, choose “I have an invite code”, and enter the server address ',
          h('code', { text: made.server_url }),
          ' and the code.',
        ),
        copyField('Server address', made.server_url, 'server address', copied),
      );
    }
    parts.push(copyField('Invite code', made.code, 'invite code', copied, 'code-input'), copied);
    parts.push(
      button('Done', {
        cls: 'secondary small',
        onclick: () => {
          actions.forgetCreatedInvite();
          lifetime.focus();
        },
      }),
    );
    result.replaceChildren(...parts.filter((p): p is Node => p !== null));
  };

  watch((s) => s.errors.invites ?? '', (error) => setText(alert, error));
  watch((s) => !!s.pending.create_invite, (busy) => setBusy(create, busy, 'Create invite', 'Creating…'));
  watch((s) => s.createdInvite, drawResult);

  return h(
    'section',
    { class: 'team-part', 'aria-labelledby': titleId },
    h('h4', { id: titleId, text: 'Invite a teammate' }),
    h('p', {
      class: 'hint',
      text: 'The simplest way: your teammate gets a link (or a code) and makes their own account, with their own password.',
    }),
    form,
    alert,
    result,
  );
}

function inviteList(actions: Actions, watch: Watch): HTMLElement {
  const titleId = uid('invites');
  const list = h('ul', { class: 'invite-list', 'aria-labelledby': titleId });
  const empty = h('p', { class: 'hint', text: 'No invites yet.' });
  const alert = alertRegion();

  const row = (inv: InviteCode, usedBy: string, madeBy: string, withdrawing: boolean): HTMLLIElement => {
    const tag = h('span', { class: `tag state-${inv.state}`, text: STATE_WORD[inv.state] ?? inv.state });
    let detail: HTMLElement;
    switch (inv.state) {
      case 'open':
        detail = h('span', { text: `Works until ${when(inv.expires_at)}` });
        break;
      case 'used':
        detail = h('span', null, 'Used by ', h('span', { dir: 'auto', class: 'who', text: usedBy }));
        break;
      case 'expired':
        detail = h('span', { text: `Expired ${when(inv.expires_at)}, unused` });
        break;
      default:
        detail = h('span', { text: 'No longer works' });
    }
    const made = h('span', { class: 'invite-made' }, `Made ${when(inv.created_at)} by `, h('span', { dir: 'auto', text: madeBy }));
    const li = h(
      'li',
      { class: 'invite-row', 'data-invite-id': String(inv.id), 'data-state': inv.state, tabindex: '-1' },
      tag,
      h('span', { class: 'invite-what' }, detail, made),
    );
    if (inv.state === 'open') {
      const withdraw = button('Withdraw', {
        cls: 'secondary small',
        onclick: () => {
          void actions.revokeInvite(inv.id).then(() => {
            list.querySelector<HTMLElement>(`li[data-invite-id="${inv.id}"]`)?.focus();
          });
        },
      });
      withdraw.setAttribute('aria-label', `Withdraw the invite that works until ${when(inv.expires_at)}`);
      setBusy(withdraw, withdrawing, 'Withdraw', 'Withdrawing…');
      li.append(withdraw);
    }
    return li;
  };

  watch((s) => s.errors.invite_list ?? '', (error) => setText(alert, error));
  // Names are picked as one string, so that presence changes in the directory (new user
  // objects, same names) draw nothing here.
  watch(
    (s) => {
      const people: People = { me: s.app?.me ?? null, users: s.app?.users ?? [] };
      return {
        invites: s.invites,
        names: (s.invites ?? []).map((i) => `${nameOf(people, i.used_by)}\u0000${nameOf(people, i.created_by)}`).join('\u0000'),
        withdrawing: Object.keys(s.pending).filter((k) => k.startsWith('revoke_invite:')).join(' '),
      };
    },
    ({ invites, names, withdrawing }) => {
      const all = invites ?? [];
      const split = names.split('\u0000');
      const named = all.map((inv, i) => ({ inv, usedBy: split[2 * i] ?? '', madeBy: split[2 * i + 1] ?? '' }));
      named.sort((a, b) => Date.parse(b.inv.created_at) - Date.parse(a.inv.created_at));
      const busy = new Set(withdrawing.split(' '));
      // Redrawn whole (a short list): keep the keyboard where it was.
      const focused = document.activeElement;
      const focusedRow = focused instanceof HTMLElement && list.contains(focused) ? focused.closest('li')?.dataset.inviteId : undefined;
      const onButton = focused instanceof HTMLButtonElement;
      list.replaceChildren(...named.map(({ inv, usedBy, madeBy }) => row(inv, usedBy, madeBy, busy.has(`revoke_invite:${inv.id}`))));
      if (focusedRow) {
        const li = list.querySelector<HTMLElement>(`li[data-invite-id="${focusedRow}"]`);
        (onButton ? li?.querySelector<HTMLElement>('button') ?? li : li)?.focus();
      }
      show(list, all.length > 0);
      show(empty, invites !== null && all.length === 0);
    },
  );

  return h('section', { class: 'team-part', 'aria-labelledby': titleId }, h('h4', { id: titleId, text: 'Invites' }), alert, list, empty);
}

interface MemberRow {
  li: HTMLLIElement;
  update(u: DirectoryEntry, busy: boolean): void;
}

function memberRow(u0: DirectoryEntry, actions: Actions, onDeleted: () => void): MemberRow {
  const name = h('span', { class: 'person-name', dir: 'auto' });
  const tag = h('span', { class: 'tag tag-disabled', text: 'Disabled', hidden: true });
  const sub = h('span', { class: 'person-sub', dir: 'auto' });
  let u = u0;
  const toggle = button('Disable', {
    cls: 'secondary small',
    onclick: () => void actions.setAccountActive(u.id, isDisabled(u)),
  });
  const remove = button('Delete', {
    cls: 'secondary small danger-text',
    onclick: () => {
      show(actionsEl, false);
      show(ask.el, true);
      ask.focus();
    },
  });
  const closeAsk = () => {
    show(ask.el, false);
    show(actionsEl, true);
    remove.focus();
  };
  const ask = confirmation({
    confirmLabel: 'Delete',
    onConfirm: () => {
      void actions.deleteAccount(u.id).then((ok) => {
        if (ok) onDeleted();
      });
    },
    onCancel: closeAsk,
  });
  const actionsEl = h('div', { class: 'member-actions' }, toggle, remove);
  const av = avatar(displayName(u0));
  const li = h(
    'li',
    { class: 'member', 'data-user-id': String(u0.id) },
    av,
    h('div', { class: 'person-who' }, h('span', { class: 'person-line' }, name, tag), sub),
    actionsEl,
    ask.el,
  );
  let drawn: [DirectoryEntry, boolean] | null = null;
  return {
    li,
    update(next, busy) {
      if (drawn && drawn[0] === next && drawn[1] === busy) return;
      drawn = [next, busy];
      u = next;
      const n = displayName(u);
      setText(name, n);
      setText(av, initials(n));
      const username = plainText(u.username);
      const email = plainText(u.email);
      setText(sub, email ? `${username} · ${email}` : username);
      const disabled = isDisabled(u);
      show(tag, disabled);
      setAttr(li, 'data-disabled', disabled ? 'true' : null);
      const verb = disabled ? 'Enable' : 'Disable';
      setBusy(toggle, busy, verb, disabled ? 'Enabling…' : 'Disabling…');
      setAttr(toggle, 'aria-label', busy ? null : `${verb} ${n}`);
      setAttr(
        toggle,
        'title',
        disabled ? `${n} can sign in and take calls again.` : `${n} can no longer sign in or take calls, until enabled again.`,
      );
      setDisabled(remove, busy);
      setAttr(remove, 'aria-label', `Delete ${n}`);
      ask.set(`Delete ${n}?`, 'They can no longer sign in; their calls stay in the history.');
      setBusy(ask.confirm, busy, 'Delete', 'Deleting…');
      setDisabled(ask.cancel, busy);
    },
  };
}

function memberList(actions: Actions, watch: Watch): HTMLElement {
  const titleId = uid('members');
  const title = h('h4', { id: titleId, text: 'Team members', tabindex: '-1' });
  const list = h('ul', { class: 'member-list', 'aria-labelledby': titleId });
  const empty = h('p', { class: 'hint', text: 'No one else has an account yet.' });
  const alert = alertRegion();
  const rows = new Map<number, MemberRow>();

  watch((s) => s.errors.team ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({
      users: s.app?.users ?? null,
      busy: Object.keys(s.pending).filter((k) => k.startsWith('account:')).join(' '),
    }),
    ({ users, busy }) => {
      const all = [...(users ?? [])].sort((a, b) => displayName(a).localeCompare(displayName(b)));
      const working = new Set(busy.split(' '));
      const keep = new Set(all.map((u) => u.id));
      const focused = document.activeElement;
      for (const [id, r] of rows) {
        if (!keep.has(id)) {
          r.li.remove();
          rows.delete(id);
        }
      }
      all.forEach((u, i) => {
        let r = rows.get(u.id);
        if (!r) {
          r = memberRow(u, actions, () => title.focus());
          rows.set(u.id, r);
        }
        r.update(u, working.has(`account:${u.id}`));
        if (list.children[i] !== r.li) list.insertBefore(r.li, list.children[i] ?? null);
      });
      if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus();
      show(list, all.length > 0);
      show(empty, all.length === 0);
    },
  );
  return h(
    'section',
    { class: 'team-part', 'aria-labelledby': titleId },
    title,
    h('p', {
      class: 'hint',
      text: 'A disabled account cannot sign in or be called until you enable it again. Deleting an account keeps its calls in the history.',
    }),
    alert,
    list,
    empty,
  );
}

export function teamView(actions: Actions, watch: Watch): View {
  const teammates = teammatesView(actions, watch);
  const el = h(
    'section',
    { class: 'settings-section team', 'aria-labelledby': 'team-title' },
    h('h3', { id: 'team-title', text: 'Team' }),
    h('p', { class: 'hint', text: 'Only administrators see this.' }),
    inviteForm(actions, watch),
    inviteList(actions, watch),
    memberList(actions, watch),
    teammates.el,
  );
  watch(
    (s) => !!s.app?.me?.is_admin,
    (isAdmin, prev) => {
      show(el, isAdmin);
      // Each time Settings opens (this draws again then), the invites are fetched afresh.
      if (isAdmin && !prev) void actions.loadInvites();
    },
  );
  return { el };
}
