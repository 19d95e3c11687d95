/**
 * Adds CSS text to a shadow root: as a constructed style sheet (which a Content Security Policy
 * without 'unsafe-inline' allows), or as a `<style>` where the browser has none.
 */
export function addStyles(root: ShadowRoot, cssText: string): void {
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(cssText);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = cssText;
    (root as ShadowRoot).append(style);
  }
}
