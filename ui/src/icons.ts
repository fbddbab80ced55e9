// A handful of line icons, drawn as inline SVG (decorative: always next to text).
const NS = 'http://www.w3.org/2000/svg';

type Shape = [string, Record<string, string>];

const PHONE = 'M5 4h3l2 5-2.5 1.5a11 11 0 0 0 6 6L15 14l5 2v3a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z';

const SHAPES: Record<string, Shape[]> = {
  phone: [['path', { d: PHONE }]],
  'phone-off': [['path', { d: PHONE, transform: 'rotate(135 12 12)' }]],
  mic: [
    ['rect', { x: '9', y: '3', width: '6', height: '11', rx: '3' }],
    ['path', { d: 'M5 11a7 7 0 0 0 14 0M12 18v3' }],
  ],
  'mic-off': [
    ['rect', { x: '9', y: '3', width: '6', height: '11', rx: '3' }],
    ['path', { d: 'M5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18' }],
  ],
  video: [
    ['rect', { x: '3', y: '6', width: '12', height: '12', rx: '2' }],
    ['path', { d: 'M15 10.5l6-3.5v10l-6-3.5' }],
  ],
  'video-off': [
    ['rect', { x: '3', y: '6', width: '12', height: '12', rx: '2' }],
    ['path', { d: 'M15 10.5l6-3.5v10l-6-3.5M3 3l18 18' }],
  ],
  // A screen with an arrow going up out of it: sharing it.
  screen: [
    ['rect', { x: '3', y: '4', width: '18', height: '12', rx: '2' }],
    ['path', { d: 'M8 20h8M12 16v4M12 12.5V7.5M9.5 10l2.5-2.5 2.5 2.5' }],
  ],
  // Hold (two bars) and Resume (a triangle), as on any player.
  pause: [
    ['rect', { x: '6.5', y: '5', width: '3.5', height: '14', rx: '1' }],
    ['rect', { x: '14', y: '5', width: '3.5', height: '14', rx: '1' }],
  ],
  play: [['path', { d: 'M7 5l12 7-12 7z' }]],
  // Full window, and back.
  expand: [['path', { d: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5' }]],
  shrink: [['path', { d: 'M9 4v5H4M20 9h-5V4M15 20v-5h5M4 15h5v5' }]],
  keyboard: [
    ['rect', { x: '2.5', y: '6', width: '19', height: '12', rx: '2' }],
    ['path', { d: 'M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10' }],
  ],
  folder: [['path', { d: 'M3 6a1 1 0 0 1 1-1h5l2 2h9a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z' }]],
  info: [
    ['circle', { cx: '12', cy: '12', r: '9' }],
    ['path', { d: 'M12 11v6M12 7.5h.01' }],
  ],
  incoming: [['path', { d: 'M17 7L7 17M16 17H7V8' }]],
  outgoing: [['path', { d: 'M7 17L17 7M8 7h9v9' }]],
  missed: [['path', { d: 'M4 7l6 6 4-4 6 6M20 10v5h-5' }]],
  search: [
    ['circle', { cx: '11', cy: '11', r: '7' }],
    ['path', { d: 'M20 20l-3.5-3.5' }],
  ],
  refresh: [['path', { d: 'M20 11A8 8 0 0 0 5.3 7M4 3v4h4M4 13a8 8 0 0 0 14.7 4M20 21v-4h-4' }]],
  copy: [
    ['rect', { x: '9', y: '9', width: '11', height: '11', rx: '2' }],
    ['path', { d: 'M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1' }],
  ],
  warn: [
    ['circle', { cx: '12', cy: '12', r: '9' }],
    ['path', { d: 'M12 7.5v5.5M12 16.5v.01' }],
  ],
  x: [['path', { d: 'M6 6l12 12M18 6L6 18' }]],
  server: [
    ['rect', { x: '3', y: '4', width: '18', height: '7', rx: '2' }],
    ['rect', { x: '3', y: '13', width: '18', height: '7', rx: '2' }],
    ['path', { d: 'M7 7.5v.01M7 16.5v.01' }],
  ],
  users: [
    ['circle', { cx: '9', cy: '8', r: '3.5' }],
    ['path', { d: 'M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6 6 0 0 1 3.5 6' }],
  ],
  clock: [
    ['circle', { cx: '12', cy: '12', r: '9' }],
    ['path', { d: 'M12 7v5l3 2' }],
  ],
  message: [['path', { d: 'M4 5h16v11H9l-5 4z' }]],
  // Meetings: a calendar page.
  calendar: [
    ['rect', { x: '3.5', y: '5', width: '17', height: '15', rx: '2' }],
    ['path', { d: 'M3.5 10h17M8 3v4M16 3v4' }],
  ],
  // Leave (a meeting): out through a door.
  leave: [['path', { d: 'M14 4h5v16h-5M10 8l-4 4 4 4M6 12h10' }]],
  bell: [['path', { d: 'M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21h4' }]],
  check: [['path', { d: 'M5 12.5l4.5 4.5L19 7.5' }]],
  plus: [['path', { d: 'M12 5v14M5 12h14' }]],
  // Add someone (to a call): a person, and a plus beside them.
  'user-plus': [
    ['circle', { cx: '9', cy: '8', r: '3.5' }],
    ['path', { d: 'M2.5 20a6.5 6.5 0 0 1 13 0M19 8v6M16 11h6' }],
  ],
  up: [['path', { d: 'M12 19V5M6 11l6-6 6 6' }]],
  down: [['path', { d: 'M12 5v14M6 13l6 6 6-6' }]],
  key: [
    ['circle', { cx: '8', cy: '15', r: '4' }],
    ['path', { d: 'M11 12l9-9M16 7l3 3M14 9l2 2' }],
  ],
  send: [['path', { d: 'M4 12l16-8-6 16-3-7z' }]],
  trash: [['path', { d: 'M4 7h16M10 7V4h4v3M6 7l1 13h10l1-13M10 11v6M14 11v6' }]],
  note: [
    ['path', { d: 'M5 3h10l4 4v14H5z' }],
    ['path', { d: 'M9 12h6M9 16h6' }],
  ],
  gear: [
    ['circle', { cx: '12', cy: '12', r: '3' }],
    [
      'path',
      {
        d: 'M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1',
      },
    ],
  ],
};

export type IconName = keyof typeof SHAPES;

export function icon(name: IconName, cls = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of SHAPES[name]) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
