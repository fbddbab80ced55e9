// Settings for administrators: the team's call outcomes (add, remove, reorder, save) and
// webhooks (the endpoints, adding one with a generated secret, deleting one, and what
// was delivered to each). Shown only to admins, and only when the server has them.
import type { Actions } from '../actions';
import { OUTCOME_NAME_MAX, OUTCOMES_MAX, outcomesProblem, randomSecret, SECRET_MAX, WEBHOOK_EVENTS, webhookProblem } from '../admin';
import { alertRegion, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { formatWhen, plainText, plural } from '../format';
import { icon } from '../icons';
import type { Watch } from '../state';
import type { DeliveryState, Webhook, WebhookDelivery, WebhookEvent } from '../types';
import { button, confirmation, setBusy, type View } from './common';

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** Settings → Call outcomes: what people choose from after a call, in this order. */
export function outcomesAdmin(actions: Actions, watch: Watch): View {
  const titleId = uid('outcomes');
  const list = h('ol', { class: 'outcome-list', 'aria-labelledby': titleId });
  const loading = h('p', { class: 'hint', role: 'status' });
  const moved = h('p', { class: 'sr-only', role: 'status' });
  const add = button('Add outcome', { cls: 'ghost small', icon: icon('plus'), onclick: () => addOne() });
  const save = button('Save outcomes', { cls: 'primary', type: 'submit' });
  const undo = button('Undo changes', { cls: 'ghost', onclick: () => revert() });
  const alert = alertRegion();
  // The list could not be loaded (said here, as there is no form yet).
  const loadAlert = alertRegion();
  const notice = h('p', { class: 'notice', role: 'status' });
  const form = h(
    'form',
    { class: 'outcomes-form', 'aria-labelledby': titleId },
    list,
    add,
    alert,
    h('div', { class: 'form-actions' }, save, undo),
    notice,
    moved,
  );
  const el = h(
    'section',
    { class: 'settings-section outcomes-admin', 'aria-labelledby': titleId, hidden: true },
    h('h3', { id: titleId, text: 'Call outcomes' }),
    h('p', {
      class: 'hint',
      text: `What people choose from after a call, in this order. 1 to ${OUTCOMES_MAX} names of up to ${OUTCOME_NAME_MAX} characters. Calls already logged keep theirs.`,
    }),
    loading,
    loadAlert,
    form,
  );

  let saved: string[] | null = null;
  let draft: string[] = [];
  const dirty = () => !sameList(draft, saved);
  const changed = () => {
    setDisabled(undo, !dirty());
    setText(notice, '');
  };

  type Part = 'input' | 'up' | 'down' | 'remove';
  const item = (name: string, i: number): HTMLLIElement => {
    const input = h('input', {
      type: 'text',
      value: name,
      maxlength: String(OUTCOME_NAME_MAX),
      autocomplete: 'off',
      'aria-label': `Outcome ${i + 1}`,
      'data-focus': `${i}:input`,
    });
    const up = button('Up', { cls: 'secondary small', icon: icon('up'), onclick: () => move(i, -1) });
    const down = button('Down', { cls: 'secondary small', icon: icon('down'), onclick: () => move(i, 1) });
    const remove = button('Remove', { cls: 'ghost small danger-text', icon: icon('trash'), onclick: () => removeAt(i) });
    up.dataset.focus = `${i}:up`;
    down.dataset.focus = `${i}:down`;
    remove.dataset.focus = `${i}:remove`;
    setDisabled(up, i === 0);
    setDisabled(down, i === draft.length - 1);
    const label = () => {
      const n = plainText(draft[i]).trim();
      const what = n ? `“${n}”` : `outcome ${i + 1}`;
      setAttr(up, 'aria-label', `Move ${what} up`);
      setAttr(down, 'aria-label', `Move ${what} down`);
      setAttr(remove, 'aria-label', `Remove ${what}`);
    };
    label();
    input.addEventListener('input', () => {
      draft[i] = input.value;
      label();
      changed();
    });
    return h(
      'li',
      { class: 'outcome-item' },
      h('span', { class: 'outcome-number', 'aria-hidden': 'true', text: `${i + 1}.` }),
      input,
      h('div', { class: 'outcome-buttons' }, up, down, remove),
    );
  };
  const drawList = (focus?: { index: number; part: Part }) => {
    list.replaceChildren(...draft.map((name, i) => item(name, i)));
    setDisabled(add, draft.length >= OUTCOMES_MAX);
    setAttr(add, 'title', draft.length >= OUTCOMES_MAX ? `There can be at most ${OUTCOMES_MAX} outcomes.` : null);
    changed();
    if (!focus) return;
    const find = (part: Part) => list.querySelector<HTMLInputElement | HTMLButtonElement>(`[data-focus="${focus.index}:${part}"]`);
    // A button that went disabled (moved to the top or the bottom): the other arrow.
    const other: Record<Part, Part> = { up: 'down', down: 'up', input: 'input', remove: 'input' };
    const target = [find(focus.part), find(other[focus.part])].find((b) => b && !b.disabled);
    (target ?? add).focus();
  };
  const move = (i: number, by: -1 | 1) => {
    const j = i + by;
    if (j < 0 || j >= draft.length) return;
    [draft[i], draft[j]] = [draft[j], draft[i]];
    drawList({ index: j, part: by < 0 ? 'up' : 'down' });
    setText(moved, `“${plainText(draft[j]).trim() || `Outcome ${i + 1}`}” is now number ${j + 1} of ${draft.length}.`);
  };
  const removeAt = (i: number) => {
    draft.splice(i, 1);
    if (draft.length) drawList({ index: Math.min(i, draft.length - 1), part: 'input' });
    else {
      drawList();
      add.focus();
    }
  };
  const addOne = () => {
    if (draft.length >= OUTCOMES_MAX) return;
    draft.push('');
    drawList({ index: draft.length - 1, part: 'input' });
  };
  const revert = () => {
    draft = [...(saved ?? [])];
    actions.say('outcomes_admin', null);
    drawList();
    save.focus();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (save.disabled) return;
    setText(notice, '');
    const problem = outcomesProblem(draft);
    actions.say('outcomes_admin', problem?.message ?? null);
    if (problem) {
      // To the name to fix, when it is one.
      if (problem.index !== null) list.querySelector<HTMLInputElement>(`[data-focus="${problem.index}:input"]`)?.focus();
      return;
    }
    const names = draft.map((n) => n.trim());
    void actions.saveOutcomes(names).then((ok) => {
      if (!ok) return;
      // What the server keeps (trimmed), as the list to edit from now on.
      draft = [...(saved ?? names)];
      drawList();
      setText(notice, 'Saved. People choose from these after their next call.');
    });
  });

  watch(
    (s) => s.outcomes,
    (list) => {
      const wasDirty = saved !== null && dirty();
      saved = list ? [...list] : null;
      show(form, !!list);
      // What the admin is editing stays; the list saved is shown when nothing was changed.
      if (list && !wasDirty) {
        const focused = document.activeElement;
        const key = focused instanceof HTMLElement && form.contains(focused) ? focused.dataset.focus : undefined;
        draft = [...list];
        drawList();
        if (key) form.querySelector<HTMLElement>(`[data-focus="${key}"]`)?.focus();
      } else changed();
    },
  );
  watch(
    (s) => ({ busy: !!s.pending.call_outcomes, have: s.outcomes !== null }),
    ({ busy, have }) => setText(loading, !have && busy ? 'Loading the outcomes…' : ''),
  );
  watch(
    (s) => ({ error: s.errors.outcomes_admin ?? '', have: s.outcomes !== null }),
    ({ error, have }) => {
      setText(have ? alert : loadAlert, error);
      setText(have ? loadAlert : alert, '');
    },
  );
  watch((s) => !!s.pending.set_call_outcomes, (busy) => setBusy(save, busy, 'Save outcomes', 'Saving…'));
  watch(
    (s) => ({ admin: !!s.app?.me?.is_admin, missing: s.missing.call_outcomes, have: s.outcomes !== null }),
    ({ admin, missing, have }) => {
      show(el, admin && !missing);
      if (admin && !missing && !have) void actions.loadOutcomes('outcomes_admin');
    },
  );
  return { el };
}

const STATE_WORD: Record<DeliveryState, string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

/** "HTTP 500: connection reset", "HTTP 204", "timed out", or "—". */
function lastAnswer(d: WebhookDelivery): string {
  const status = d.last_status != null ? `HTTP ${d.last_status}` : '';
  const error = plainText(d.last_error).trim();
  return [status, error].filter(Boolean).join(': ') || '—';
}

function deliveriesTable(url: string, list: WebhookDelivery[], now: Date): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'deliveries' },
      h('caption', { class: 'sr-only', text: `Deliveries to ${url}, newest first` }),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...['Event', 'State', 'Attempts', 'Last answer', 'Made', 'Delivered'].map((t) => h('th', { scope: 'col', text: t })),
        ),
      ),
      h(
        'tbody',
        null,
        ...list.map((d) =>
          h(
            'tr',
            { 'data-delivery-id': String(d.id), 'data-state': d.state },
            h('td', null, h('code', { text: d.event })),
            h('td', null, h('span', { class: `tag delivery-${d.state}`, text: STATE_WORD[d.state] ?? d.state })),
            h('td', { class: 'num', text: String(d.attempts) }),
            h('td', { class: 'last-answer', text: lastAnswer(d) }),
            h('td', { class: 'when' }, h('time', { datetime: d.created_at, text: formatWhen(d.created_at, now) })),
            h(
              'td',
              { class: 'when' },
              d.delivered_at
                ? h('time', { datetime: d.delivered_at, text: formatWhen(d.delivered_at, now) })
                : d.state === 'pending' && d.next_attempt_at
                  ? h('span', null, 'Next try ', h('time', { datetime: d.next_attempt_at, text: formatWhen(d.next_attempt_at, now) }))
                  : '—',
            ),
          ),
        ),
      ),
    ),
  );
}

interface WebhookRow {
  li: HTMLLIElement;
  update(w: Webhook, st: { deleting: boolean; deliveries: WebhookDelivery[] | undefined; loading: boolean }): void;
}

function webhookRow(w0: Webhook, actions: Actions, onDeleted: () => void): WebhookRow {
  let w = w0;
  const url = h('span', { class: 'webhook-url', dir: 'ltr' });
  const events = h('ul', { class: 'webhook-events', 'aria-label': 'Events' });
  const counts = h('span', { class: 'webhook-counts' });
  const panelId = uid('deliveries');
  const toggle = button('Deliveries', {
    cls: 'secondary small',
    onclick: () => {
      const open = !!panel.hidden;
      show(panel, open);
      setAttr(toggle, 'aria-expanded', open ? 'true' : 'false');
      if (open) void actions.loadDeliveries(w.id);
    },
  });
  setAttr(toggle, 'aria-expanded', 'false');
  setAttr(toggle, 'aria-controls', panelId);
  const remove = button('Delete', {
    cls: 'ghost small danger-text',
    icon: icon('trash'),
    onclick: () => {
      show(buttons, false);
      show(ask.el, true);
      ask.focus();
    },
  });
  const ask = confirmation({
    confirmLabel: 'Delete',
    onConfirm: () => {
      void actions.deleteWebhook(w.id).then((ok) => {
        if (ok) onDeleted();
      });
    },
    onCancel: () => {
      show(ask.el, false);
      show(buttons, true);
      remove.focus();
    },
  });
  const buttons = h('div', { class: 'webhook-buttons' }, toggle, remove);
  const status = h('p', { class: 'hint', role: 'status' });
  const refresh = button('Refresh', { cls: 'ghost small', icon: icon('refresh'), onclick: () => void actions.loadDeliveries(w.id) });
  const table = h('div', { class: 'deliveries-table' });
  const panel = h('div', { class: 'deliveries-panel', id: panelId, hidden: true }, h('div', { class: 'deliveries-head' }, status, refresh), table);
  const li = h(
    'li',
    { class: 'webhook-row', 'data-webhook-id': String(w0.id), tabindex: '-1' },
    h('div', { class: 'webhook-what' }, url, events, counts),
    buttons,
    ask.el,
    panel,
  );
  let drawnList: WebhookDelivery[] | undefined;
  return {
    li,
    update(next, { deleting, deliveries, loading }) {
      w = next;
      setText(url, w.url);
      const words = w.events.join(' ');
      if (events.dataset.words !== words) {
        events.dataset.words = words;
        events.replaceChildren(...w.events.map((e) => h('li', { class: 'tag', text: e })));
      }
      counts.replaceChildren(
        ...(w.pending || w.failed
          ? [
              w.pending ? h('span', { class: 'count-pending', text: `${w.pending} pending` }) : null,
              w.pending && w.failed ? ' · ' : null,
              w.failed ? h('strong', { class: 'count-failed', text: `${w.failed} failed` }) : null,
            ].filter((x): x is HTMLElement | string => x !== null)
          : ['Nothing waiting']),
      );
      setAttr(toggle, 'aria-label', `Deliveries to ${w.url}`);
      setAttr(remove, 'aria-label', `Delete the webhook to ${w.url}`);
      ask.set(`Delete the webhook to ${w.url}?`, 'Nothing waiting is sent to it, and its delivery log goes.');
      setBusy(ask.confirm, deleting, 'Delete', 'Deleting…');
      setDisabled(ask.cancel, deleting);
      setBusy(refresh, loading, 'Refresh', 'Loading…');
      setText(
        status,
        loading && !deliveries
          ? 'Loading deliveries…'
          : deliveries
            ? deliveries.length
              ? `${plural(deliveries.length, 'delivery').replace('deliverys', 'deliveries')}, newest first`
              : 'Nothing was sent to it yet.'
            : '',
      );
      if (deliveries !== drawnList) {
        drawnList = deliveries;
        table.replaceChildren(...(deliveries?.length ? [deliveriesTable(w.url, deliveries, new Date())] : []));
      }
    },
  };
}

/** The events a new endpoint gets unless chosen otherwise: the calls'. */
const DEFAULT_EVENTS: readonly WebhookEvent[] = ['call.completed', 'call.missed', 'call.rejected', 'call.logged'];

function webhookForm(actions: Actions, watch: Watch, onAdded: (id: number) => void): HTMLElement {
  const titleId = uid('webhook-add');
  const urlId = uid('webhook-url');
  const secretId = uid('webhook-secret');
  const url = h('input', {
    id: urlId,
    type: 'url',
    name: 'webhook_url',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: '2048',
    placeholder: 'https://crm.example.com/hooks/switchboard',
  });
  const secret = h('input', {
    id: secretId,
    type: 'text',
    name: 'webhook_secret',
    class: 'secret-input',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: String(SECRET_MAX),
    'aria-describedby': `${secretId}-hint`,
  });
  const generated = h('p', { class: 'hint', role: 'status' });
  const generate = button('Generate', {
    cls: 'secondary small',
    icon: icon('key'),
    onclick: () => {
      secret.value = randomSecret();
      secret.focus();
      secret.select();
      setText(generated, 'A new secret is in the field. Give the same one to the receiving end before deliveries start.');
    },
  });
  setAttr(generate, 'aria-label', 'Generate a secret');
  secret.addEventListener('input', () => setText(generated, ''));
  const boxes = WEBHOOK_EVENTS.map(({ event, label }) => {
    const id = uid('event');
    const input = h('input', { type: 'checkbox', id, value: event, class: 'switch', 'aria-describedby': `${id}-what` });
    return {
      event,
      input,
      el: h(
        'div',
        { class: 'event-choice' },
        input,
        h('label', { for: id }, h('code', { text: event })),
        h('span', { class: 'hint', id: `${id}-what`, text: label }),
      ),
    };
  });
  const reset = () => {
    url.value = '';
    secret.value = '';
    setText(generated, '');
    for (const b of boxes) b.input.checked = DEFAULT_EVENTS.includes(b.event);
  };
  reset();
  const alert = alertRegion();
  const notice = h('p', { class: 'notice', role: 'status' });
  const submit = button('Add webhook', { cls: 'primary', type: 'submit' });
  const form = h(
    'form',
    // Its own checks, said in words (not the browser's bubbles).
    { class: 'webhook-form', 'aria-labelledby': titleId, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: urlId, text: 'Address' }), url),
    h(
      'div',
      { class: 'field' },
      h('label', { for: secretId, text: 'Secret' }),
      h('div', { class: 'copy-row' }, secret, generate),
      h('p', {
        class: 'hint',
        id: `${secretId}-hint`,
        text: 'Deliveries are signed with it. 16 to 200 characters; Switchboard does not show it again.',
      }),
      generated,
    ),
    h('fieldset', { class: 'event-choices' }, h('legend', { text: 'Events to send' }), ...boxes.map((b) => b.el)),
    alert,
    h('div', { class: 'form-actions' }, submit),
    notice,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    setText(notice, '');
    const events = boxes.filter((b) => b.input.checked).map((b) => b.event);
    const problem = webhookProblem(url.value, secret.value, events);
    actions.say('webhook_form', problem);
    if (problem) return;
    const address = url.value.trim();
    void actions.createWebhook({ url: address, secret: secret.value, events }).then((made) => {
      if (!made) return;
      reset();
      setText(notice, `Added: from now on, the events chosen are sent to ${made.url}.`);
      onAdded(made.id);
    });
  });
  watch((s) => s.errors.webhook_form ?? '', (error) => setText(alert, error));
  watch((s) => !!s.pending.create_webhook, (busy) => setBusy(submit, busy, 'Add webhook', 'Adding…'));
  return h('section', { class: 'team-part', 'aria-labelledby': titleId }, h('h4', { id: titleId, text: 'Add a webhook' }), form);
}

/** Settings → Webhooks: tell the CRM of record about calls and call-backs. */
export function webhooksAdmin(actions: Actions, watch: Watch): View {
  const titleId = uid('webhooks');
  const listTitleId = uid('webhook-list');
  const listTitle = h('h4', { id: listTitleId, text: 'Endpoints', tabindex: '-1' });
  const list = h('ul', { class: 'webhook-list', 'aria-labelledby': listTitleId });
  const empty = h('p', { class: 'hint', text: 'No webhooks yet: nothing is sent anywhere.' });
  const loading = h('p', { class: 'hint', role: 'status' });
  const alert = alertRegion();
  const rows = new Map<number, WebhookRow>();
  const added = (id: number) => rows.get(id)?.li.focus();
  const el = h(
    'section',
    { class: 'settings-section webhooks-admin', 'aria-labelledby': titleId, hidden: true },
    h('h3', { id: titleId, text: 'Webhooks' }),
    h('p', {
      class: 'hint',
      text: 'Switchboard POSTs each event an endpoint asks for to its address, so that your CRM learns of calls and call-backs.',
    }),
    h(
      'p',
      { class: 'hint signed-hint' },
      'Each delivery is signed: its ',
      h('code', { text: 'Switchboard-Signature' }),
      ' header holds an HMAC-SHA256 of the body, keyed with the endpoint’s secret. How to check it: docs/crm.md.',
    ),
    h('section', { class: 'team-part', 'aria-labelledby': listTitleId }, listTitle, loading, alert, list, empty),
    webhookForm(actions, watch, added),
  );

  watch((s) => s.errors.webhooks ?? '', (error) => setText(alert, error));
  watch(
    (s) => ({ hooks: s.webhooks, deliveries: s.deliveries, pending: s.pending }),
    ({ hooks, deliveries, pending }) => {
      setText(loading, hooks === null && pending.webhooks ? 'Loading the webhooks…' : '');
      const all = hooks ?? [];
      const keep = new Set(all.map((w) => w.id));
      for (const [id, r] of rows) {
        if (keep.has(id)) continue;
        r.li.remove();
        rows.delete(id);
      }
      all.forEach((w, i) => {
        let r = rows.get(w.id);
        if (!r) {
          r = webhookRow(w, actions, () => listTitle.focus());
          rows.set(w.id, r);
        }
        r.update(w, { deleting: !!pending[`webhook:${w.id}`], deliveries: deliveries[w.id], loading: !!pending[`deliveries:${w.id}`] });
        if (list.children[i] !== r.li) list.insertBefore(r.li, list.children[i] ?? null);
      });
      show(list, all.length > 0);
      show(empty, hooks !== null && all.length === 0);
    },
  );
  watch(
    (s) => ({ admin: !!s.app?.me?.is_admin, missing: s.missing.webhooks }),
    ({ admin, missing }, prev) => {
      show(el, admin && !missing);
      // Each time Settings opens (this draws again then), the endpoints are fetched afresh.
      if (admin && !missing && !prev?.admin) void actions.loadWebhooks();
    },
  );
  return { el };
}
