// For tests of generated SVG: tags open and close in order and every & starts an entity (a
// well-formedness check without an XML library).
export function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;)/.test(xml);
}
