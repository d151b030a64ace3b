/** A hit's source as a link when it is one (catalog items open their SKU in the API, documents their URL). */
export function sourceHref(source: string): string | null {
  if (/^https?:\/\//.test(source)) return source;
  if (source.startsWith('catalog:')) return `/v1/catalog/${encodeURIComponent(source.slice('catalog:'.length))}`;
  if (source.startsWith('/') && !source.startsWith('//')) return source;
  return null;
}
