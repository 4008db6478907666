/** Minimal XML writing for AWS Query responses. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** An element with already-rendered inner XML. */
export function el(name: string, inner: string): string {
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** An element holding escaped text. */
export function text(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A Query-protocol list: `<Name><member>…</member>…</Name>`. */
export function members(name: string, items: readonly string[]): string {
  return `<${name}>${items.map((i) => `<member>${i}</member>`).join("")}</${name}>`;
}
