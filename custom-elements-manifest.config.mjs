// Describes <chat-widget> for editors and tooling, as the package ships it: the element lives in
// dist/widget.js (`parley-chat/widget`), which also registers the tag.
const PACKAGE_MODULE = 'dist/widget.js';

export default {
  globs: ['web-component/chat-widget.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      name: 'parley-chat-package-paths',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          module.path = PACKAGE_MODULE;
          for (const declaration of module.declarations ?? []) {
            // The analyzer also reads the emit() helper's `new CustomEvent(name)` as an event.
            declaration.events = declaration.events?.filter((event) => event.name.startsWith('chat-'));
          }
          for (const exported of module.exports ?? []) {
            if (exported.declaration) exported.declaration.module = PACKAGE_MODULE;
          }
          module.exports = [
            ...(module.exports ?? []),
            {
              kind: 'custom-element-definition',
              name: 'chat-widget',
              declaration: { name: 'ChatWidget', module: PACKAGE_MODULE },
            },
          ];
        }
      },
    },
  ],
};
