// DOM helpers shared by the console's views. Everything from the API is written with
// textContent; nothing becomes HTML.

import { KeyraError } from '../sdk/index.js';

/** The element with this id; a missing one is a bug in the page, so it throws. @param {string} id */
export function $(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

/**
 * Creates an element with properties (`className`, `textContent`, `href`, …) and children.
 * @param {string} tag
 * @param {Record<string, unknown>} [properties]
 * @param {Array<Node | string>} [children]
 * @returns {HTMLElement}
 */
export function h(tag, properties = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name.startsWith('data-') || name.startsWith('aria-') || name === 'role')
      element.setAttribute(name, String(value));
    else Reflect.set(element, name, value);
  }
  element.append(...children);
  return element;
}

/** @param {HTMLElement} element @param {unknown} value */
export function showJson(element, value) {
  element.textContent = JSON.stringify(value, null, 2);
}

const counts = new Intl.NumberFormat('en-US');

/** A count as the page shows it: `1,000`. @param {number} value */
export function formatCount(value) {
  return counts.format(value);
}

/** @param {string} id */
export function clearError(id) {
  const box = $(id);
  box.hidden = true;
  box.replaceChildren();
}

/**
 * Shows an API error as `status code` + message (+ details), or a browser error from a WebAuthn
 * ceremony in plain words.
 * @param {string} id @param {unknown} error
 */
export function showError(id, error) {
  const box = $(id);
  const title = h('p', { className: 'error-title' });
  const message = h('p');
  box.replaceChildren(title, message);
  if (error instanceof KeyraError) {
    title.textContent = error.status ? `${error.status} ${error.code}` : error.code;
    message.textContent = error.message;
    if (Array.isArray(error.details) && error.details.length > 0) {
      const list = h('ul');
      for (const detail of error.details) {
        list.append(
          h('li', {
            textContent:
              detail && typeof detail === 'object'
                ? [detail.field, detail.issue].filter(Boolean).join(': ')
                : String(detail),
          }),
        );
      }
      box.append(list);
    }
  } else if (error && typeof error === 'object' && 'name' in error) {
    // WebAuthn failures come as DOMExceptions (NotAllowedError when the prompt is cancelled or
    // times out, InvalidStateError when the passkey already exists, …).
    title.textContent = `Browser: ${error.name}`;
    message.textContent =
      error.name === 'NotAllowedError'
        ? 'The browser refused: the passkey prompt was cancelled or timed out, user verification (fingerprint, face, PIN) failed, or no matching passkey is on this device. Nothing was sent to KEYRA; the challenge stays pending.'
        : String(/** @type {{ message?: unknown }} */ (error).message ?? error);
  } else {
    title.textContent = 'Error';
    message.textContent = String(error);
  }
  box.hidden = false;
}

/**
 * Runs `task` with `target` (a button, or the event's `currentTarget`) disabled and marked busy.
 * @param {EventTarget | null} target
 * @param {() => Promise<void>} task
 */
export async function busy(target, task) {
  const button = /** @type {HTMLButtonElement} */ (target);
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await task();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Appends a ✓/✗ line to a list of checks and returns whether it passed.
 * @param {HTMLElement} list @param {boolean} passed @param {string} text
 */
export function addCheck(list, passed, text) {
  const mark = h('span', {
    className: 'check-mark',
    textContent: passed ? '✓' : '✗',
    'aria-label': passed ? 'passed' : 'failed',
  });
  list.append(h('li', { className: passed ? 'check-pass' : 'check-fail' }, [mark, ` ${text}`]));
  return passed;
}
