/**
 * A minimal browser for the OAuth pages (issue 14): a cookie jar that honours Path and Max-Age,
 * redirects followed by hand so every hop's Set-Cookie is kept, and the consent page's form
 * submitted as a browser would. No vitest import: the import benchmark uses it too.
 */
export interface Browser {
  /** One request, cookies sent and stored; redirects are not followed. */
  request(url: string, init?: RequestInit): Promise<Response>;
  /** GET `url` and follow redirects (up to 10); the last answer and its text. */
  open(url: string): Promise<{ status: number; url: string; text: string; headers: Headers }>;
  /** Cookies currently held, by name. */
  cookies(): Map<string, { value: string; path: string }>;
}

export function newBrowser(): Browser {
  const jar = new Map<string, { value: string; path: string }>();
  const store = (res: Response, url: URL) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((p) => p.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const attr = (key: string) => attrs.find((a) => a.toLowerCase().startsWith(`${key.toLowerCase()}=`))?.split('=')[1];
      if (attr('Max-Age') === '0') jar.delete(name);
      else jar.set(name, { value: pair!.slice(eq + 1), path: attr('Path') ?? (url.pathname.replace(/\/[^/]*$/, '') || '/') });
    }
  };
  const request = async (url: string, init: RequestInit = {}) => {
    const target = new URL(url);
    const sent = [...jar].filter(([, c]) => target.pathname === c.path || target.pathname.startsWith(`${c.path.replace(/\/$/, '')}/`));
    const headers = new Headers(init.headers);
    if (sent.length) headers.set('Cookie', sent.map(([n, c]) => `${n}=${c.value}`).join('; '));
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    store(res, target);
    return res;
  };
  return {
    request,
    async open(url) {
      let current = url;
      for (let hop = 0; hop < 10; hop++) {
        const res = await request(current);
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.arrayBuffer();
          current = new URL(location, current).toString();
          continue;
        }
        return { status: res.status, url: current, text: await res.text(), headers: res.headers };
      }
      throw new Error(`more than 10 redirects from ${url}`);
    },
    cookies: () => new Map(jar),
  };
}

/** The consent page's form: where it posts and the state it carries (undefined when the page has none). */
export function consentForm(html: string): { action: string; state: string } | undefined {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const state = /name="state" value="([^"]*)"/.exec(html)?.[1];
  const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  return action && state !== undefined ? { action: unescape(action), state: unescape(state) } : undefined;
}

/** Presses one of the consent page's buttons. */
export async function submitConsent(browser: Browser, html: string, decision: 'confirm' | 'cancel'): Promise<{ status: number; text: string }> {
  const form = consentForm(html);
  if (!form) throw new Error(`no consent form on the page: ${html.slice(0, 300)}`);
  const res = await browser.request(form.action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ state: form.state, decision }).toString(),
  });
  return { status: res.status, text: await res.text() };
}
