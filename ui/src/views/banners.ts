// Under the top bar: the connection banner (reconnecting / offline), the engine's
// `problem` messages, a call-back that is due, a colleague I waited for who can take calls
// now, a note left for me, and, after hosting, where teammates connect.
import type { Actions } from '../actions';
import { firstLine } from '../busyLamp';
import { alertRegion, h, setAttr, setDisabled, setText, show, uid } from '../dom';
import { describeConnection, describeDeviceSwitch, displayName, plainText } from '../format';
import { icon } from '../icons';
import { joinBlockReason, joining } from '../meetings';
import type { Watch } from '../state';
import type { Callback, CampOn, Note } from '../types';
import { busyWhy, button, regardingNode, setBusy, type View } from './common';
import { hostAddresses } from './hostInfo';

export function bannersView(actions: Actions, watch: Watch): View {
  const connText = h('p', { class: 'banner-text' });
  const signInAgain = button('Sign in again', { cls: 'secondary small', onclick: () => void actions.signOut() });
  const conn = h(
    'div',
    { class: 'banner banner-conn' },
    icon('warn'),
    h('div', { class: 'banner-alert', role: 'status' }, connText),
    signInAgain,
  );

  const problemText = h('p', { class: 'banner-text' });
  const problem = h(
    'div',
    { class: 'banner banner-problem' },
    icon('warn'),
    h('div', { role: 'alert', class: 'banner-alert' }, problemText),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('global') }),
  );

  // A device that moved on its own is news, not an error: a status region, no alarm.
  const deviceText = h('p', { class: 'banner-text' });
  const device = h(
    'div',
    { class: 'banner banner-device' },
    icon('mic'),
    h('div', { role: 'status', class: 'banner-alert' }, deviceText),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('device') }),
  );

  // A call-back of mine is due (the shell also shows a notification): a banner, not a
  // dialog, with what can be done about it here and now.
  const dueName = h('strong', { class: 'callback-due-name', dir: 'auto' });
  const dueAbout = h('span', { class: 'callback-due-about' });
  const dueNote = h('p', { class: 'banner-note', dir: 'auto' });
  const dueAlert = alertRegion();
  let dueId: number | null = null;
  const callBack = button('Call back', {
    cls: 'primary small',
    icon: icon('phone'),
    onclick: () => dueId != null && void actions.callBack(dueId, 'callback_due'),
  });
  const snooze = button('Snooze 10 min', {
    cls: 'secondary small',
    onclick: () => dueId != null && void actions.snoozeCallback(dueId, 600, 'callback_due'),
  });
  const doneBtn = button('Done', {
    cls: 'secondary small',
    icon: icon('check'),
    onclick: () => dueId != null && void actions.completeCallback(dueId, 'callback_due'),
  });
  const due = h(
    'section',
    { class: 'banner banner-callback', 'aria-label': 'Call-back due' },
    icon('bell'),
    h(
      'div',
      { class: 'banner-body' },
      h('div', { role: 'alert', class: 'banner-alert' }, h('p', { class: 'banner-text' }, 'Call-back due: ', dueName, dueAbout)),
      dueNote,
      dueAlert,
      h('div', { class: 'banner-actions' }, callBack, snooze, doneBtn),
    ),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('callback_due') }),
  );
  // Whether the user was working in the banner (a button there may have gone disabled,
  // which drops focus, by the time the banner goes).
  let focusInDue = false;
  due.addEventListener('focusin', () => {
    focusInDue = true;
  });
  due.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !due.contains(to)) focusInDue = false;
  });
  const drawDue = (c: Callback | null) => {
    dueId = c?.id ?? null;
    if (!c) {
      setText(dueName, '');
      dueAbout.replaceChildren();
      setText(dueNote, '');
      return;
    }
    setText(dueName, displayName(c.user_details));
    dueAbout.replaceChildren(...(c.regarding ? [' — ', regardingNode(c.regarding, 'about')] : []));
    const note = plainText(c.note).trim();
    setText(dueNote, note ? `“${note}”` : '');
  };

  // Colleagues I waited for ("Tell me when free") who can take calls now: one banner each.
  const freeAlert = alertRegion();
  const free = h('div', { class: 'free-banners' }, freeAlert);
  const freeShown = new Map<number, FreeBanner>();

  // A note left for me: who, its first line, what about; Open goes to Notes.
  const noteName = h('strong', { class: 'note-banner-name', dir: 'auto' });
  const noteLine = h('span', { class: 'note-banner-line', dir: 'auto' });
  const noteAbout = h('p', { class: 'banner-note' });
  let noteId: number | null = null;
  const open = button('Open', {
    cls: 'primary small',
    icon: icon('message'),
    onclick: () => {
      const id = noteId;
      actions.openNote();
      const target = document.querySelector<HTMLElement>(`li[data-note-id="${id}"]`) ?? document.getElementById('notes-title');
      target?.focus();
    },
  });
  const noteBanner = h(
    'section',
    { class: 'banner banner-inbox', 'aria-label': 'Note received' },
    icon('message'),
    h(
      'div',
      { class: 'banner-body' },
      h('div', { role: 'alert', class: 'banner-alert' }, h('p', { class: 'banner-text' }, 'Note from ', noteName, ': ', noteLine)),
      noteAbout,
      h('div', { class: 'banner-actions' }, open),
    ),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('note_banner') }),
  );
  const drawNote = (n: Note | null) => {
    noteId = n?.id ?? null;
    setText(noteName, n ? displayName(n.from_details) : '');
    setText(noteLine, n ? firstLine(n.text) : '');
    noteAbout.replaceChildren(...(n?.regarding ? [regardingNode(n.regarding)] : []));
  };

  // A colleague started a meeting I am in (the shell also shows a notification): Join.
  const startedName = h('strong', { class: 'meeting-banner-name', dir: 'auto' });
  const startedTitle = h('span', { class: 'meeting-banner-title', dir: 'auto' });
  // "Ann Lee started “Pipeline review”", or, when she added me to her call (it became a
  // meeting), "Ann Lee is adding you to a call with Bob Stone", as a ringing call says.
  const addedWith = h('strong', { class: 'meeting-banner-with', dir: 'auto' });
  const startedText = h('p', { class: 'banner-text' });
  const startedAlert = alertRegion();
  let startedId: number | null = null;
  const joinStarted = button('Join', {
    cls: 'primary small',
    icon: icon('phone'),
    onclick: () => startedId != null && joinStarted.getAttribute('aria-disabled') !== 'true' && void actions.joinMeeting(startedId, 'meeting_banner'),
  });
  const startedWhyId = uid('meeting-banner-why');
  const startedWhy = h('span', { class: 'sr-only', id: startedWhyId });
  const meetingBanner = h(
    'section',
    { class: 'banner banner-meeting', 'aria-label': 'Meeting started' },
    icon('calendar'),
    h(
      'div',
      { class: 'banner-body' },
      h('div', { role: 'alert', class: 'banner-alert' }, startedText),
      startedAlert,
      h('div', { class: 'banner-actions' }, joinStarted, startedWhy),
    ),
    button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismiss('meeting_started') }),
  );
  let focusInMeeting = false;
  meetingBanner.addEventListener('focusin', () => {
    focusInMeeting = true;
  });
  meetingBanner.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !meetingBanner.contains(to)) focusInMeeting = false;
  });

  const addresses = hostAddresses(watch, { invites: 'first' });
  const host = h(
    'section',
    { class: 'banner banner-host', 'aria-labelledby': 'host-notice-title' },
    icon('server'),
    h(
      'div',
      { class: 'banner-body' },
      h('h2', { id: 'host-notice-title', class: 'banner-title', text: 'Your team’s server is running on this computer' }),
      h('p', { class: 'banner-text', text: 'Teammates choose “Connect to a server” and enter this address:' }),
      addresses.el,
      h('p', { class: 'hint', text: 'You can find it again in Settings. Keep this computer on while your team is calling.' }),
    ),
    button('Got it', { cls: 'ghost small', onclick: () => actions.dismiss('host') }),
  );

  watch(
    (s) => s.app?.connection ?? null,
    (connection) => {
      const c = describeConnection(connection);
      // The role=status region stays in the page so a change is announced.
      setText(connText, c.banner ?? '');
      setAttr(conn, 'data-kind', c.kind);
      conn.classList.toggle('is-empty', !c.banner);
      show(signInAgain, c.kind === 'bad');
    },
  );
  watch(
    (s) => s.errors.global ?? '',
    (error) => {
      setText(problemText, error);
      show(problem, !!error);
    },
  );
  watch(
    (s) => s.deviceSwitch,
    (d) => {
      setText(deviceText, d ? describeDeviceSwitch(d) : '');
      show(device, !!d);
    },
  );
  watch(
    // Settings shows the same addresses in full, so the banner steps aside there.
    (s) => !!s.app?.hosting && !s.hostNoticeDismissed && s.tab !== 'settings',
    (shown) => show(host, shown),
  );

  watch(
    (s) => s.callbackDue,
    (c, prev) => {
      // Focus in the banner as it goes (Snooze, Done, Dismiss): to the section on screen.
      const active = document.activeElement;
      const hadFocus = !c && !!prev && focusInDue && (due.contains(active) || !active || active === document.body);
      drawDue(c);
      show(due, !!c);
      if (hadFocus) {
        focusInDue = false;
        document.querySelector<HTMLElement>('#content .panel:not([hidden]) h2')?.focus();
      }
    },
  );
  watch((s) => s.errors.callback_due ?? '', (error) => setText(dueAlert, error));

  /** Focus was in a banner that goes: to the heading of the section on screen. */
  const toSection = () => document.querySelector<HTMLElement>('#content .panel:not([hidden]) h2')?.focus();
  const lostFocus = (banner: HTMLElement) => {
    const active = document.activeElement;
    return banner.contains(active) || !active || active === document.body;
  };

  watch(
    (s) => s.freeNow,
    (list) => {
      const keep = new Set(list.map((c) => c.id));
      let hadFocus = false;
      for (const [id, b] of freeShown) {
        if (keep.has(id)) continue;
        hadFocus ||= b.el.contains(document.activeElement) || b.working();
        b.el.remove();
        freeShown.delete(id);
      }
      for (const c of list) {
        if (freeShown.has(c.id)) continue;
        const b = freeBanner(c, actions);
        freeShown.set(c.id, b);
        free.insertBefore(b.el, freeAlert);
      }
      if (hadFocus && (!document.activeElement || document.activeElement === document.body)) {
        const first = freeShown.values().next().value as FreeBanner | undefined;
        if (first) first.focus();
        else toSection();
      }
    },
  );
  watch(
    (s) => ({ list: s.freeNow, pending: s.pending, inCall: busyWhy(s) }),
    ({ list, pending, inCall }) => {
      for (const c of list) freeShown.get(c.id)?.set(inCall, !!pending[`call:${c.user_id}`]);
    },
  );
  watch((s) => s.errors.free_now ?? '', (error) => setText(freeAlert, error));

  let focusInNote = false;
  noteBanner.addEventListener('focusin', () => {
    focusInNote = true;
  });
  noteBanner.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !noteBanner.contains(to)) focusInNote = false;
  });
  watch(
    (s) => s.noteBanner,
    (n, prev) => {
      const hadFocus = !n && !!prev && focusInNote && lostFocus(noteBanner);
      drawNote(n);
      show(noteBanner, !!n);
      if (hadFocus) {
        focusInNote = false;
        toSection();
      }
    },
  );
  watch(
    (s) => ({ id: s.callbackDue?.id ?? null, pending: s.pending, inCall: busyWhy(s) }),
    ({ id, pending, inCall }) => {
      const busy = id != null && !!pending[`callback:${id}`];
      setDisabled(callBack, busy || !!inCall);
      setAttr(callBack, 'title', inCall);
      setDisabled(snooze, busy);
      setDisabled(doneBtn, busy);
    },
  );

  watch(
    (s) => ({ started: s.meetingStarted, inMeeting: s.app?.meeting?.meeting_id ?? null }),
    ({ started, inMeeting }, prev) => {
      const gone = !started && !!prev?.started;
      // Joined: the meeting card takes focus (views/meetingPanel.ts). Otherwise focus in
      // the banner as it goes (Dismiss, the meeting over): to the section on screen.
      const joined = gone && inMeeting === prev?.started?.meeting.id;
      const hadFocus = gone && !joined && focusInMeeting && lostFocus(meetingBanner);
      startedId = started?.meeting.id ?? null;
      setText(startedName, started ? plainText(started.by) : '');
      setText(startedTitle, started ? plainText(started.meeting.title).trim() || 'Untitled meeting' : '');
      setText(addedWith, started?.addedWith ? plainText(started.addedWith) : '');
      startedText.replaceChildren(
        ...(started?.addedWith
          ? [startedName, ' is adding you to a call with ', addedWith]
          : [startedName, ' started “', startedTitle, '”']),
      );
      setAttr(meetingBanner, 'aria-label', started?.addedWith ? 'Added to a call' : 'Meeting started');
      // Never for the meeting the app is in (the reducer sees to it; the meeting card is
      // there instead).
      show(meetingBanner, !!started && started.meeting.id !== inMeeting);
      if (hadFocus) {
        focusInMeeting = false;
        toSection();
      }
    },
  );
  watch(
    (s) => {
      const id = s.meetingStarted?.meeting.id ?? null;
      return {
        joiningThis: id !== null && !!s.pending[`join_meeting:${id}`],
        joiningAny: joining(s) !== null,
        why: id === null ? null : joinBlockReason(s, id),
      };
    },
    ({ joiningThis, joiningAny, why }) => {
      setText(joinStarted.querySelector('.label')!, joiningThis ? 'Joining…' : 'Join');
      // Waiting: keeps focus (aria-disabled), which goes to the meeting card once in it.
      setAttr(joinStarted, 'aria-disabled', joiningThis ? 'true' : null);
      setAttr(joinStarted, 'aria-busy', joiningThis ? 'true' : null);
      setDisabled(joinStarted, (joiningAny && !joiningThis) || !!why);
      setAttr(joinStarted, 'title', why);
      setText(startedWhy, why ?? '');
      setAttr(joinStarted, 'aria-describedby', why ? startedWhyId : null);
    },
  );
  watch((s) => s.errors.meeting_banner ?? '', (error) => setText(startedAlert, error));

  return { el: h('div', { class: 'banners' }, conn, problem, device, due, meetingBanner, free, noteBanner, host) };
}

interface FreeBanner {
  el: HTMLElement;
  /** `inCall`: why Call is off (a call, a meeting), or null. */
  set(inCall: string | null, calling: boolean): void;
  focus(): void;
  /** Whether the user was working in it (a button there may have gone disabled). */
  working(): boolean;
}

/** "Tom Lee can take calls now", with Call and Dismiss. */
function freeBanner(c: CampOn, actions: Actions): FreeBanner {
  const name = displayName(c.user_details);
  const call = button('Call', { cls: 'primary small', icon: icon('phone'), onclick: () => void actions.callFree(c) });
  setAttr(call, 'aria-label', `Call ${name}`);
  const dismiss = button('Dismiss', { cls: 'ghost small', onclick: () => actions.dismissFree(c.id) });
  const el = h(
    'section',
    { class: 'banner banner-free', 'aria-label': `${name} can take calls now`, 'data-camp-on-id': String(c.id) },
    icon('phone'),
    h(
      'div',
      { class: 'banner-body' },
      h('div', { role: 'alert', class: 'banner-alert' }, h('p', { class: 'banner-text' }, h('strong', { dir: 'auto', text: name }), ' can take calls now')),
      h('div', { class: 'banner-actions' }, call),
    ),
    dismiss,
  );
  let inside = false;
  el.addEventListener('focusin', () => {
    inside = true;
  });
  el.addEventListener('focusout', (e) => {
    const to = e.relatedTarget as Node | null;
    if (to && !el.contains(to)) inside = false;
  });
  return {
    el,
    set(inCall, calling) {
      setBusy(call, calling, 'Call', 'Calling…');
      setDisabled(call, calling || !!inCall);
      setAttr(call, 'title', inCall);
    },
    focus: () => (call.disabled ? dismiss : call).focus(),
    working: () => inside,
  };
}
