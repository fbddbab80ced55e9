// Transfer: the call card's dialog that puts the other party through to a colleague, in
// one of two ways, chosen above the list:
// - "Transfer now" (a blind transfer, `transfer_call`): their call to the colleague rings
//   at once, and mine ends. Success closes the dialog (the call card then says
//   "Transferred to …").
// - "Talk to them first" (an attended transfer, `consult_call`): the shell holds my call
//   and calls the colleague about it. Success closes the dialog; the call card then shows
//   that call (the consultation) under the held call's strip, which puts the held party
//   through once the colleague answered, or goes back to them.
// The choice stays as last made (for the next transfer too). The dialog itself (search, the
// colleagues with their presence, who cannot take the call shown but not choosable, the
// keyboard, a refusal said inside it) is views/colleaguePicker.ts.
import type { Actions } from '../actions';
import { h, setAttr, show, uid } from '../dom';
import { icon, type IconName } from '../icons';
import type { Watch } from '../state';
import { colleaguePicker, type NameSpan, type PickerChoice, type PickerDialog } from './colleaguePicker';

export type TransferDialog = PickerDialog;

/** Transfer now (blind), or talk to them first (attended). */
export type TransferMode = 'now' | 'first';

interface ModeWords {
  mode: TransferMode;
  label: string;
  hint(them: NameSpan): (Node | string)[];
  icon: IconName;
}

const MODES: ModeWords[] = [
  { mode: 'now', label: 'Transfer now', hint: () => ['Their phone rings at once; your call ends'], icon: 'outgoing' },
  { mode: 'first', label: 'Talk to them first', hint: (them) => [them(), ' waits on hold while you talk'], icon: 'phone' },
];

/** The two ways, as radio buttons side by side (Tab lands on the one chosen; the arrow keys
 * move between them). `changed`: after a change, with the new one. */
function modeChoice(them: NameSpan, changed: (mode: TransferMode) => void): PickerChoice & { mode(): TransferMode } {
  const name = uid('transfer-mode');
  const inputs: HTMLInputElement[] = [];
  const options = MODES.map(({ mode, label, hint, icon: ic }) => {
    const labelId = uid('transfer-mode-label');
    const hintId = uid('transfer-mode-hint');
    const input = h('input', {
      type: 'radio',
      name,
      value: mode,
      class: 'transfer-mode-input',
      checked: mode === 'now',
      'aria-labelledby': labelId,
      'aria-describedby': hintId,
    });
    inputs.push(input);
    return h(
      'label',
      { class: 'transfer-mode-option', 'data-mode': mode },
      input,
      icon(ic, 'icon transfer-mode-icon'),
      h(
        'span',
        { class: 'transfer-mode-text' },
        h('span', { class: 'transfer-mode-label', id: labelId, text: label }),
        h('span', { class: 'transfer-mode-hint', id: hintId }, ...hint(them)),
      ),
    );
  });
  const el = h(
    'fieldset',
    { class: 'transfer-mode' },
    h('legend', { class: 'sr-only', text: 'How to transfer' }),
    ...options,
  );
  const mode = (): TransferMode => (inputs.find((i) => i.checked)?.value as TransferMode | undefined) ?? 'now';
  el.addEventListener('change', () => changed(mode()));
  return {
    el,
    mode,
    tabStop: () => inputs.find((i) => i.checked) ?? inputs[0],
    setDisabled(on) {
      for (const i of inputs) if (i.disabled !== on) i.disabled = on;
      setAttr(el, 'aria-disabled', on ? 'true' : null);
    },
  };
}

export function transferDialog(actions: Actions, watch: Watch, opener: HTMLButtonElement): TransferDialog {
  let choice: ReturnType<typeof modeChoice> | null = null;
  const mode = (): TransferMode => choice?.mode() ?? 'now';
  // What the text under the heading says, for each way; the one chosen shows.
  const descNow = h('span', { class: 'transfer-desc-now' });
  const descFirst = h('span', { class: 'transfer-desc-first', hidden: true });
  let dialog: PickerDialog | null = null;
  const follow = (m: TransferMode) => {
    show(descNow, m === 'now');
    show(descFirst, m === 'first');
    if (dialog) setAttr(dialog.el, 'data-mode', m);
  };
  dialog = colleaguePicker(
    {
      kind: 'transfer',
      icon: 'outgoing',
      rowIcon: () => h('span', null, icon('outgoing', 'icon transfer-go-now'), icon('phone', 'icon transfer-go-first')),
      title: (them) => ['Transfer ', them(), ' to…'],
      desc: (them) => {
        descNow.append('Choose who takes the call. It rings them at once, and your call with ', them(), ' ends.');
        descFirst.append('Choose whom to call first. ', them(), ' waits on hold; once they answer, put ', them(), ' through, or go back.');
        return [descNow, descFirst];
      },
      choice: (changed, them) => {
        choice = modeChoice(them, (m) => {
          follow(m);
          actions.say('transfer', null);
          changed();
        });
        return choice;
      },
      rowBusy: () => (mode() === 'first' ? 'Calling…' : 'Putting through…'),
      working: (them, to) => (mode() === 'first' ? `Putting ${them} on hold and calling ${to}…` : `Putting ${them} through to ${to}…`),
      canNow: 'can take the call now',
      nobody: (them) => `There is no one else on this server to transfer ${them} to.`,
      pendingKeys: ['transfer_call', 'consult_call'],
      errorArea: 'transfer',
      choose: (userId) => (mode() === 'first' ? actions.consultCall(userId) : actions.transferCall(userId)),
      clearError: () => actions.say('transfer', null),
      refocusOnSuccess: false,
    },
    watch,
    opener,
  );
  follow(mode());
  return dialog;
}
