// The elements' markup is HTML in lit-html templates and their styles CSS in template strings, which a
// JS minifier leaves as written. This takes the indentation out of the HTML and the comments and
// spaces out of the CSS, finding the templates with TypeScript's own parser (never a regular
// expression over the code, which a backtick in a comment would fool), so what every visitor
// downloads carries neither while the source keeps both.
import ts from 'typescript';

/**
 * `source` (a web-component file) with its templates compacted: every template in a styles file
 * (`*.styles.ts`, `base-css.ts`, `theme-tokens.ts`), which hold nothing but CSS, and every
 * `html`/`svg`-tagged one. Other template strings (messages with `${…}`) keep every character.
 */
export function minifyTemplates(path: string, source: string): string {
  const cssFile = /[\\/](?:[\w-]+\.styles|base-css|theme-tokens)\.ts$/.test(path);
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const done = new Set<ts.Node>();

  const compactParts = (template: ts.TemplateLiteral, compact: (text: string) => string) => {
    done.add(template);
    const parts = ts.isNoSubstitutionTemplateLiteral(template) ? [template] : [template.head, ...template.templateSpans.map((span) => span.literal)];
    for (const part of parts) {
      // The text between the part's delimiters: after ` or }, before ` or ${.
      const start = part.getStart(file) + 1;
      const end = part.end - (ts.isTemplateHead(part) || ts.isTemplateMiddle(part) ? 2 : 1);
      edits.push({ start, end, text: compact(source.slice(start, end)) });
    }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node)) {
      const tag = node.tag.getText(file);
      if (tag === 'html' || tag === 'svg') compactParts(node.template, compactHtml);
      else if (tag === 'css') compactParts(node.template, compactCss);
    } else if (cssFile && !done.has(node) && (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node))) {
      compactParts(node, compactCss);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);

  let result = source;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) result = result.slice(0, start) + text + result.slice(end);
  return result;
}

/** HTML: a line break and its indentation read as one space, or none between tags. */
function compactHtml(html: string): string {
  return html.replace(/\n\s*/g, '\n');
}

/** CSS without comments, and outside its quoted strings with spaces only where they separate words. */
function compactCss(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split(/('[^'\n]*'|"[^"\n]*")/)
    .map((piece, i) =>
      i % 2 === 1
        ? piece
        : piece
            .replace(/\s+/g, ' ')
            .replace(/ ?([{};,>]) ?/g, '$1')
            .replace(/: /g, ':')
            .replace(/;}/g, '}'),
    )
    .join('');
}
