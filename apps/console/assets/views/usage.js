import { showLegacy } from './legacy.js';

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'usage',
  title: 'Usage',
  async render(_root, ctx) {
    await showLegacy(ctx);
  },
});
