import { showLegacy } from './legacy.js';

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'playground',
  title: 'Playground',
  async render(_root, ctx) {
    await showLegacy(ctx);
  },
});
