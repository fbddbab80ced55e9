// The signed-in window: top bar, banners, section tabs, the call card and one section.
import type { Actions } from '../actions';
import { h, setAttr, setText, show } from '../dom';
import { icon, type IconName } from '../icons';
import { whileShown, type Store, type Tab, type Watch } from '../state';
import { afterCallView } from './afterCall';
import { bannersView } from './banners';
import { callPanelView } from './callPanel';
import type { View } from './common';
import { headerView } from './header';
import { historyView } from './history';
import { peopleView } from './people';
import { settingsView } from './settings';

const TABS: [Tab, string, IconName][] = [
  ['people', 'People', 'users'],
  ['history', 'History', 'clock'],
  ['settings', 'Settings', 'gear'],
];

export function mainView(
  actions: Actions,
  store: Store,
  watch: Watch,
): View & { focus(): void; callPanel: ReturnType<typeof callPanelView> } {
  const header = headerView(actions, watch);
  const banners = bannersView(actions, watch);
  const callPanel = callPanelView(actions, watch);
  const afterCall = afterCallView(actions, watch);
  // Only the section on screen is drawn; it catches up when its tab is chosen.
  const inTab = (tab: Tab) => whileShown(watch, (s) => s.tab === tab);
  const panels: Record<Tab, View> = {
    people: peopleView(actions, store, inTab('people')),
    history: historyView(actions, inTab('history')),
    settings: settingsView(actions, inTab('settings')),
  };
  const badgeCount = h('span');
  const badge = h('span', { class: 'badge' }, badgeCount, h('span', { class: 'sr-only', text: ' missed' }));
  const tabButtons = TABS.map(([tab, label, ic]) => {
    const b = h(
      'button',
      { type: 'button', class: 'tab', 'data-tab': tab, onclick: () => actions.selectTab(tab) },
      icon(ic),
      h('span', { class: 'label', text: label }),
      tab === 'history' ? badge : null,
    );
    return { tab, b };
  });
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Sections' }, ...tabButtons.map((t) => t.b));
  const content = h('main', { class: 'content', id: 'content' }, callPanel.el, afterCall.el, ...Object.values(panels).map((p) => p.el));
  const el = h('div', { class: 'layout' }, header.el, banners.el, nav, content);

  watch(
    (s) => s.app?.missed_calls ?? 0,
    (missed) => {
      setText(badgeCount, String(missed));
      show(badge, missed > 0);
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
    focus() {
      // Land on the section heading: screen readers read it, Tab goes on to search.
      content.querySelector<HTMLElement>('.panel:not([hidden]) h2')?.focus();
    },
  };
}
