/**
 * A DOM subtree as readable text: blocks on their own lines, list items as `- `, headings as `#`, `pre` keeping its
 * line breaks, and nothing from scripts, styles, forms or embedded objects. Works on linkedom's DOM (no layout, so
 * "visible" means "not in a tag that never renders text").
 */

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'EMBED', 'HEAD',
  'BUTTON', 'SELECT', 'INPUT', 'TEXTAREA', 'OPTION', 'MATH']);
/** Page furniture, skipped when no article was found and the whole body is read. */
export const FURNITURE = ['NAV', 'HEADER', 'FOOTER', 'ASIDE', 'FORM', 'DIALOG'];
const BLOCK = new Set(['ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'BODY', 'DD', 'DETAILS', 'DIV', 'DL', 'DT',
  'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI',
  'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'TFOOT', 'THEAD', 'TR', 'UL', 'CAPTION']);

interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue?: string | null;
  childNodes: ArrayLike<DomNode>;
}

/** Depth beyond which nesting is not followed (hostile pages nest thousands deep). */
const MAX_DEPTH = 400;

export function htmlToText(root: DomNode, opts: { skip?: readonly string[] } = {}): string {
  const skip = opts.skip?.length ? new Set([...SKIP, ...opts.skip]) : SKIP;
  const out: string[] = [];
  let pre = 0;
  // Iterative walk: entering pushes the children (and an exit marker) so depth costs no call stack.
  const stack: { node: DomNode; exit: boolean; depth: number }[] = [{ node: root, exit: false, depth: 0 }];
  while (stack.length) {
    const { node, exit, depth } = stack.pop()!;
    if (node.nodeType === 3) {
      const v = node.nodeValue ?? '';
      out.push(pre ? v : v.replace(/\s+/g, ' '));
      continue;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) continue;
    const tag = node.nodeName.toUpperCase();
    if (exit) {
      if (tag === 'PRE') pre--;
      if (BLOCK.has(tag)) out.push('\n');
      else if (tag === 'TD' || tag === 'TH') out.push(' | ');
      continue;
    }
    if (skip.has(tag) || depth > MAX_DEPTH) continue;
    if (tag === 'BR') {
      out.push('\n');
      continue;
    }
    if (BLOCK.has(tag)) out.push('\n');
    if (tag === 'LI') out.push('- ');
    else if (/^H[1-6]$/.test(tag)) out.push(`${'#'.repeat(Number(tag[1]))} `);
    if (tag === 'PRE') pre++;
    stack.push({ node, exit: true, depth });
    const kids = node.childNodes;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], exit: false, depth: depth + 1 });
  }
  return tidy(out.join(''));
}

/** Spaces collapsed per line (outside code it does not matter), lines trimmed, at most one blank line in a row. */
export function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
