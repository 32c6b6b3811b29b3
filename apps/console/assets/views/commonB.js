// Helpers the views of part B (webhooks, events, voice, stamps, audit) share on top of common.js:
// sections, JSON blocks, forms, tones for badges, date-range filters and the result of an action.

import { errorState, h } from './common.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */

/**
 * A titled card; `level` 2 by default (the view's own title is the h1).
 * @param {string} title @param {Array<Node | string>} children @param {{ id?: string }} [options]
 */
export function section(title, children, options = {}) {
  const titleId = options.id ? `${options.id}-title` : undefined;
  return h(
    'section',
    {
      className: 'card',
      ...(options.id ? { id: options.id } : {}),
      ...(titleId ? { 'aria-labelledby': titleId } : {}),
    },
    [h('h2', titleId ? { id: titleId } : {}, [title]), ...children],
  );
}

/** Pretty JSON in a scrollable, focusable <pre> (keyboard users can scroll it). @param {unknown} value @param {string} label */
export function jsonBlock(value, label) {
  return h('pre', { className: 'json', tabIndex: 0, 'aria-label': label }, [
    typeof value === 'string' ? value : JSON.stringify(value, null, 2),
  ]);
}

/**
 * A badge with a colour that says how it went: `good`, `bad` or `wait`.
 * @param {string} text @param {'good' | 'bad' | 'wait'} tone
 */
export function toneBadge(text, tone) {
  const css = { good: 'approved', bad: 'rejected', wait: 'pending' }[tone];
  return h('span', { className: `badge badge-${css}` }, [text]);
}

/** An HTTP status of a delivery attempt, coloured. @param {Record<string, any>} attempt */
export function attemptBadge(attempt) {
  if (attempt.statusCode === null) return toneBadge(attempt.error ?? 'no answer', 'bad');
  const ok = attempt.statusCode >= 200 && attempt.statusCode < 300;
  return toneBadge(String(attempt.statusCode), ok ? 'good' : 'bad');
}

/** Monospace text. @param {string} text */
export function code(text) {
  return h('code', {}, [text]);
}

/** A link inside the console. @param {string} hash e.g. `#/events/evt_1` @param {string} text */
export function link(hash, text) {
  return h('a', { href: hash }, [text]);
}

/**
 * A labelled input or textarea for a form (`name` is also the id, prefixed).
 * @param {{ name: string, label: string, value?: string, type?: string, required?: boolean,
 *   textarea?: boolean, rows?: number, hint?: string, placeholder?: string, prefix: string }} options
 * @returns {HTMLElement}
 */
export function field({
  name,
  label,
  value = '',
  type = 'text',
  required = false,
  textarea = false,
  rows = 3,
  hint,
  placeholder,
  prefix,
}) {
  const id = `${prefix}-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const control = h(textarea ? 'textarea' : 'input', {
    id,
    name,
    required,
    value,
    placeholder: placeholder ?? '',
    ...(textarea ? { rows } : { type }),
    ...(hintId ? { 'aria-describedby': hintId } : {}),
  });
  return h('div', { className: 'field' }, [
    h('label', { htmlFor: id }, [label]),
    control,
    ...(hint && hintId ? [h('p', { className: 'hint', id: hintId }, [hint])] : []),
  ]);
}

/**
 * A form that runs `task` on submit with its button busy; an error shows under the form.
 * @param {{ label: string, className?: string, children: Node[],
 *   task: (data: FormData) => Promise<void> }} options
 * @returns {HTMLFormElement}
 */
export function actionForm({ label, className = 'inline-form', children, task }) {
  const errors = h('div', { className: 'form-errors' });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit' }, [label]));
  const form = /** @type {HTMLFormElement} */ (
    h('form', { className }, [...children, h('div', { className: 'actions' }, [button]), errors])
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    errors.replaceChildren();
    try {
      await task(new FormData(form));
    } catch (error) {
      errors.replaceChildren(errorState(error));
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
  return form;
}

/** A string field of a FormData, trimmed. @param {FormData} data @param {string} name */
export function text(data, name) {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The date filters of a list (`from`/`to` as `YYYY-MM-DD` in the query) as the API's bounds:
 * `from` 00:00 UTC included, `to` the end of that day (the next midnight, excluded).
 * @param {URLSearchParams} query
 * @returns {{ since?: string, until?: string }}
 */
export function dayRange(query) {
  /** @type {{ since?: string, until?: string }} */
  const range = {};
  const from = query.get('from');
  const to = query.get('to');
  if (from && !Number.isNaN(Date.parse(`${from}T00:00:00Z`)))
    range.since = new Date(`${from}T00:00:00Z`).toISOString();
  if (to && !Number.isNaN(Date.parse(`${to}T00:00:00Z`)))
    range.until = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString();
  return range;
}

/** A polite status line that announces the outcome of an action. @param {string} message */
export function notice(message) {
  return h('p', { className: 'ok', role: 'status' }, [message]);
}
