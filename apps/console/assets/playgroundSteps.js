// The playground's steps as a list at its top: each entry moves to its step (its heading gets the
// focus, so keyboard and screen-reader users land there), is ticked once the step has worked (its
// result box shows), and the first step not yet done is the current one. Buttons, not links: in
// the shell the URL's hash is the router's, so in-page anchors would change the view.

import { $ } from './ui.js';

/** Wires the step list of index.html; does nothing on a page without one. */
export function startPlaygroundSteps() {
  const nav = document.getElementById('playground-steps');
  if (!nav) return;
  const buttons = /** @type {HTMLButtonElement[]} */ ([
    ...nav.querySelectorAll('button[data-step]'),
  ]);

  function refresh() {
    let current = false;
    for (const button of buttons) {
      const result = button.dataset.doneBy ? document.getElementById(button.dataset.doneBy) : null;
      const done = result !== null && !result.hidden;
      button.classList.toggle('done', done);
      button.setAttribute('aria-label', `${button.textContent?.trim()}${done ? ' (done)' : ''}`);
      if (!done && !current && button.dataset.doneBy) {
        button.setAttribute('aria-current', 'step');
        current = true;
      } else button.removeAttribute('aria-current');
    }
  }

  for (const button of buttons) {
    button.addEventListener('click', () => {
      const headingElement = $(String(button.dataset.step));
      headingElement.tabIndex = -1;
      headingElement.scrollIntoView({ block: 'start' });
      headingElement.focus({ preventScroll: true });
    });
    const result = button.dataset.doneBy ? document.getElementById(button.dataset.doneBy) : null;
    if (result) new MutationObserver(refresh).observe(result, { attributeFilter: ['hidden'] });
  }
  refresh();
}
