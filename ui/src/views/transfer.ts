// Transfer: the call card's dialog that puts the other party through to a colleague (a
// blind transfer: their call to the colleague rings at once, and mine ends). The dialog
// itself (search, the colleagues with their presence, who cannot take the call shown but
// not choosable, the keyboard, a refusal said inside it) is views/colleaguePicker.ts.
// Success closes it (the call card then says "Transferred to …").
import type { Actions } from '../actions';
import type { Watch } from '../state';
import { colleaguePicker, type PickerDialog } from './colleaguePicker';

export type TransferDialog = PickerDialog;

export function transferDialog(actions: Actions, watch: Watch, opener: HTMLButtonElement): TransferDialog {
  return colleaguePicker(
    {
      kind: 'transfer',
      icon: 'outgoing',
      title: (them) => ['Transfer ', them, ' to…'],
      desc: (them) => ['Choose who takes the call. It rings them at once, and your call with ', them, ' ends.'],
      rowBusy: 'Putting through…',
      working: (them, to) => `Putting ${them} through to ${to}…`,
      canNow: 'can take the call now',
      nobody: (them) => `There is no one else on this server to transfer ${them} to.`,
      pendingKey: 'transfer_call',
      errorArea: 'transfer',
      choose: (userId) => actions.transferCall(userId),
      clearError: () => actions.say('transfer', null),
      refocusOnSuccess: false,
    },
    watch,
    opener,
  );
}
