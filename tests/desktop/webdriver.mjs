// A small W3C WebDriver client for tauri-driver. tauri-driver accepts only its own
// capability shape (`tauri:options`, no `browserName`), which the big clients (selenium,
// WebdriverIO) rewrite or extend; the dozen endpoints the e2e test needs are plain JSON.
import { setTimeout as sleep } from 'node:timers/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok || json.value?.error) {
    throw new WebDriverError(`${method} ${path}: ${json.value?.error ?? res.status}: ${json.value?.message ?? text.slice(0, 200)}`);
  }
  return json.value;
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  path(p) {
    return `/session/${this.session.id}/element/${this.id}${p}`;
  }
  click() {
    return request(this.session.base, 'POST', this.path('/click'), {});
  }
  type(text) {
    return request(this.session.base, 'POST', this.path('/value'), { text });
  }
  clear() {
    return request(this.session.base, 'POST', this.path('/clear'), {});
  }
  text() {
    return request(this.session.base, 'GET', this.path('/text'));
  }
  attribute(name) {
    return request(this.session.base, 'GET', this.path(`/attribute/${name}`));
  }
  displayed() {
    return request(this.session.base, 'GET', this.path('/displayed'));
  }
}

export class Session {
  static async start(base, application, args) {
    const value = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    });
    return new Session(base, value.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page. */
  async js(script, ...args) {
    const value = await this.cmd('POST', '/execute/sync', { script, args: args.map((a) => (a instanceof Element ? { [ELEMENT]: a.id } : a)) });
    return value && typeof value === 'object' && ELEMENT in value ? new Element(this, value[ELEMENT]) : value;
  }

  async find(css) {
    const all = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return all.length ? new Element(this, all[0][ELEMENT]) : null;
  }

  /** Waits until `probe()` returns something truthy, and returns it. */
  async until(what, probe, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const value = await probe();
        if (value) return value;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new WebDriverError(`timed out waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
      await sleep(150);
    }
  }

  /** The first visible element matching `css`, waiting for it to appear. */
  visible(css, timeoutMs) {
    return this.until(`a visible ${css}`, async () => {
      const el = await this.find(css);
      return el && (await el.displayed()) ? el : null;
    }, timeoutMs);
  }

  /** A visible button whose accessible text (label or aria-label) is `name`. */
  button(name, timeoutMs) {
    return this.until(`the button “${name}”`, () =>
      this.js(
        `const want = arguments[0];
         return [...document.querySelectorAll('button')].find((b) =>
           b.offsetParent !== null && !b.closest('[inert]') &&
           ((b.getAttribute('aria-label') ?? '').trim() === want ||
            (b.querySelector('.label')?.textContent ?? '').trim() === want ||
            [...b.childNodes].filter((n) => !(n.nodeType === 1 && (n.tagName === 'KBD' || n.getAttribute('aria-hidden') === 'true')))
              .map((n) => n.textContent).join('').trim() === want)) ?? null;`,
        name,
      ), timeoutMs);
  }

  /** The visible form control labelled `label` (inside `scope`, a CSS selector). */
  field(label, scope = 'body') {
    return this.until(`the field “${label}”`, () =>
      this.js(
        `const [want, scope] = arguments;
         const root = document.querySelector(scope);
         if (!root) return null;
         for (const l of root.querySelectorAll('label')) {
           const own = [...l.childNodes].filter((n) => n.nodeType === 3 || (n.nodeType === 1 && !n.matches('input,select,textarea,.hint')))
             .map((n) => n.textContent).join('').trim();
           if (own !== want) continue;
           const input = l.control ?? l.querySelector('input,select,textarea');
           if (input && input.offsetParent !== null) return input;
         }
         return null;`,
        label,
        scope,
      ));
  }

  /** The page's visible text, for assertions on what a person would read. */
  textOf(css) {
    return this.js('const el = document.querySelector(arguments[0]); return el ? el.innerText : null;', css);
  }

  /** The handles of the app's windows (one per webview: the main window, the callbox). */
  windows() {
    return this.cmd('GET', '/window/handles');
  }

  /** The current window's handle. */
  window() {
    return this.cmd('GET', '/window');
  }

  /** Makes later commands go to the window `handle`. */
  switchTo(handle) {
    return this.cmd('POST', '/window', { handle });
  }

  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }

  async end() {
    try {
      await this.cmd('DELETE', '');
    } catch {
      // the app may already be gone
    }
  }
}
