// Add someone: the call card's dialog that brings a colleague into the call in progress
// (`add_to_call`). The call then grows into a meeting of the three, hosted by me, which
// both our apps join by themselves (the call card says so meanwhile; the meeting card then
// takes its place). The dialog itself (search, the colleagues with their presence, who
// cannot take a call shown but not choosable, the keyboard, a refusal said inside it) is
// views/colleaguePicker.ts. Success closes it, back on Add someone.
import type { Actions } from '../actions';
import type { Watch } from '../state';
import { colleaguePicker, type PickerDialog } from './colleaguePicker';

export function addToCallDialog(actions: Actions, watch: Watch, opener: HTMLButtonElement): PickerDialog {
  return colleaguePicker(
    {
      kind: 'add',
      icon: 'user-plus',
      title: () => ['Add someone to this call'],
      desc: (them) => ['Choose a colleague to bring in. Your call with ', them(), ' becomes a meeting of the three of you.'],
      rowBusy: () => 'Adding…',
      working: (_them, to) => `Adding ${to}…`,
      canNow: 'can join now',
      nobody: () => 'There is no one else on this server to add.',
      pendingKeys: ['add_to_call'],
      errorArea: 'add_to_call',
      choose: (userId) => actions.addToCall(userId),
      clearError: () => actions.say('add_to_call', null),
      refocusOnSuccess: true,
    },
    watch,
    opener,
  );
}
