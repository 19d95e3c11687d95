// Describes <chat-widget> and <chat-inbox> for editors and tooling, as the package ships them:
// each element lives in the file its subpath export points to, which also registers the tag.
const ELEMENTS = {
  'web-component/widget/chat-widget.ts': { module: 'dist/widget.js', tagName: 'chat-widget', className: 'ChatWidget' },
  'web-component/inbox/chat-inbox.ts': { module: 'dist/inbox.js', tagName: 'chat-inbox', className: 'ChatInbox' },
};

export default {
  globs: Object.keys(ELEMENTS),
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      name: 'parley-chat-package-paths',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          const element = ELEMENTS[module.path];
          if (!element) continue;
          module.path = element.module;
          for (const declaration of module.declarations ?? []) {
            // The analyzer also reads the emit() helper's `new CustomEvent(name)` as an event.
            declaration.events = declaration.events?.filter((event) => event.name.startsWith('chat-'));
          }
          for (const exported of module.exports ?? []) {
            if (exported.declaration) exported.declaration.module = element.module;
          }
          module.exports = [
            ...(module.exports ?? []),
            {
              kind: 'custom-element-definition',
              name: element.tagName,
              declaration: { name: element.className, module: element.module },
            },
          ];
        }
      },
    },
  ],
};
