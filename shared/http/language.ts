/** Pages for subscribers speak Korean, or English when the browser prefers it (Accept-Language). */
export type Language = 'ko' | 'en';

export function preferredLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'ko';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag ?? '', q: q ? Number(q) : 1 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('ko')) return 'ko';
    if (tag.startsWith('en')) return 'en';
  }
  return 'ko';
}

export const headerOf = (headers: Record<string, string | undefined> | null | undefined, name: string) => {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
};
