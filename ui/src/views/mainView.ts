// The signed-in window: top bar, banners, section tabs, the call card (or the meeting
// card) and one section.
import type { Actions } from '../actions';
import { unreadCount } from '../busyLamp';
import { dueCount } from '../callbacks';
import { h, setAttr, setText, show } from '../dom';
import { icon, type IconName } from '../icons';
import { whileShown, type Store, type Tab, type Watch } from '../state';
import { afterCallView } from './afterCall';
import { bannersView } from './banners';
import { callbacksView } from './callbacks';
import { callPanelView } from './callPanel';
import type { View } from './common';
import { headerView } from './header';
import { meetingPanelView } from './meetingPanel';
import { meetingsView } from './meetings';
import { historyView } from './history';
import { notesView } from './notes';
import { peopleView } from './people';
import { settingsView } from './settings';

const TABS: [Tab, string, IconName][] = [
  ['people', 'People', 'users'],
  ['meetings', 'Meetings', 'calendar'],
  ['callbacks', 'Call-backs', 'bell'],
  ['notes', 'Notes', 'message'],
  ['history', 'History', 'clock'],
  ['settings', 'Settings', 'gear'],
];

export function mainView(
  actions: Actions,
  store: Store,
  watch: Watch,
): View & { focus(): void; tick(): void; callPanel: ReturnType<typeof callPanelView> } {
  const header = headerView(actions, watch);
  const banners = bannersView(actions, watch);
  const callPanel = callPanelView(actions, watch);
  const meetingPanel = meetingPanelView(actions, watch);
  const afterCall = afterCallView(actions, watch);
  // Only the section on screen is drawn; it catches up when its tab is chosen.
  const inTab = (tab: Tab) => whileShown(watch, (s) => s.tab === tab);
  const callbacks = callbacksView(actions, inTab('callbacks'));
  const panels: Record<Tab, View> = {
    people: peopleView(actions, store, inTab('people')),
    meetings: meetingsView(actions, inTab('meetings')),
    callbacks,
    notes: notesView(actions, inTab('notes')),
    history: historyView(actions, inTab('history')),
    settings: settingsView(actions, inTab('settings')),
  };
  const badgeCount = h('span');
  const badge = h('span', { class: 'badge' }, badgeCount, h('span', { class: 'sr-only', text: ' missed' }));
  // Call-backs due now (not the ones due later): a count that changes with the clock too.
  const dueCountEl = h('span');
  const dueBadge = h('span', { class: 'due-badge' }, dueCountEl, h('span', { class: 'sr-only', text: ' due' }));
  // Notes not read yet.
  const unreadEl = h('span');
  const unreadBadge = h('span', { class: 'due-badge' }, unreadEl, h('span', { class: 'sr-only', text: ' unread' }));
  const tabButtons = TABS.map(([tab, label, ic]) => {
    const b = h(
      'button',
      { type: 'button', class: 'tab', 'data-tab': tab, onclick: () => actions.selectTab(tab) },
      icon(ic),
      h('span', { class: 'label', text: label }),
      tab === 'history' ? badge : tab === 'callbacks' ? dueBadge : tab === 'notes' ? unreadBadge : null,
    );
    return { tab, b };
  });
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Sections' }, ...tabButtons.map((t) => t.b));
  const content = h('main', { class: 'content', id: 'content' }, callPanel.el, meetingPanel.el, afterCall.el, ...Object.values(panels).map((p) => p.el));
  const el = h('div', { class: 'layout' }, header.el, banners.el, nav, content);

  watch(
    (s) => s.app?.missed_calls ?? 0,
    (missed) => {
      setText(badgeCount, String(missed));
      show(badge, missed > 0);
    },
  );
  let callbackList = store.get().callbacks;
  const drawDue = () => {
    const due = dueCount(callbackList, Date.now());
    setText(dueCountEl, String(due));
    show(dueBadge, due > 0);
  };
  watch(
    (s) => ({ list: s.callbacks, missing: s.missing.callbacks }),
    ({ list, missing }) => {
      callbackList = list;
      drawDue();
      // A server without call-backs: no tab for them.
      show(tabButtons.find((t) => t.tab === 'callbacks')!.b, !missing);
    },
  );
  watch(
    (s) => ({ notes: s.notes, missing: s.missing.notes }),
    ({ notes, missing }) => {
      const unread = unreadCount(notes);
      setText(unreadEl, String(unread));
      show(unreadBadge, unread > 0);
      // A server without notes: no inbox (nor a tab for it).
      show(tabButtons.find((t) => t.tab === 'notes')!.b, !missing);
    },
  );
  watch(
    (s) => s.tab,
    (current) => {
      for (const { tab, b } of tabButtons) {
        setAttr(b, 'aria-current', tab === current ? 'page' : null);
        show(panels[tab].el, tab === current);
      }
    },
  );

  return {
    el,
    callPanel,
    tick() {
      drawDue();
      callbacks.tick();
    },
    focus() {
      // Land on the section heading: screen readers read it, Tab goes on to search.
      content.querySelector<HTMLElement>('.panel:not([hidden]) h2')?.focus();
    },
  };
}
