// Building blocks every console view uses: the heading, loading/empty/error states, a list table
// with cursor pagination, a filter form bound to the query string, a detail list, dates, a copy
// button, a confirm dialog and the role check. Everything from the API is written as text.

import { ConsoleApiError } from '../consoleApi.js';
import { h } from '../ui.js';

export { h };

/** @typedef {import('../consoleApi.js').ConsoleRole} ConsoleRole */
/** @typedef {import('../consoleApi.js').ConsoleSession} ConsoleSession */

const RANKS = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/**
 * Whether the signed-in user has at least `role` (the server decides; this only hides controls).
 * @param {ConsoleSession} session @param {ConsoleRole} role
 */
export function can(session, role) {
  return RANKS[session.user.role] >= RANKS[role];
}

/**
 * The view's heading (the shell moves focus to it) and an optional lead paragraph.
 * @param {string} title @param {string} [lead]
 * @returns {HTMLElement}
 */
export function heading(title, lead) {
  const header = h('div', { className: 'view-head' }, [h('h1', { tabIndex: -1 }, [title])]);
  if (lead) header.append(h('p', { className: 'lead' }, [lead]));
  return header;
}

/** @param {string} [text] */
export function loadingState(text = 'Loading…') {
  return h('p', { className: 'state state-loading', role: 'status', 'aria-live': 'polite' }, [
    text,
  ]);
}

/** @param {string} text @param {Node | string} [action] */
export function emptyState(text, action) {
  const box = h('div', { className: 'state state-empty' }, [h('p', {}, [text])]);
  if (action) box.append(action);
  return box;
}

/**
 * The server's `status code` and message, or the browser's error, in a red alert.
 * @param {unknown} error
 */
export function errorState(error) {
  const title =
    error instanceof ConsoleApiError
      ? `${error.status} ${error.code}`
      : error instanceof Error
        ? error.name
        : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return h('div', { className: 'error', role: 'alert' }, [
    h('p', { className: 'error-title' }, [title]),
    h('p', {}, [message]),
  ]);
}

const absolute = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  timeZone: 'UTC',
});
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/**
 * `3 minutes ago` in a <time> whose title is the absolute UTC time; `—` for no date.
 * @param {string | number | null | undefined} value an ISO date or epoch milliseconds
 * @param {number} [now]
 */
export function dateText(value, now = Date.now()) {
  if (value === null || value === undefined || value === '') return h('span', {}, ['—']);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return h('span', {}, [String(value)]);
  const seconds = Math.round((date.getTime() - now) / 1000);
  const units = /** @type {const} */ ([
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ]);
  let text = relative.format(seconds, 'second');
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) {
      text = relative.format(Math.round(seconds / size), unit);
      break;
    }
  }
  if (Math.abs(seconds) < 10) text = seconds <= 0 ? 'just now' : 'in a few seconds';
  const full = `${absolute.format(date)} UTC`;
  return h('time', { dateTime: date.toISOString(), title: full }, [text]);
}

/** @param {string | number} value */
export function absoluteDate(value) {
  return `${absolute.format(new Date(value))} UTC`;
}

/**
 * A `<dl>` of label → value (a string, a node, or null shown as `—`).
 * @param {Array<[string, string | number | Node | null | undefined]>} rows
 */
export function detailList(rows) {
  const list = h('dl', { className: 'facts' });
  for (const [label, value] of rows) {
    const shown =
      value === null || value === undefined || value === ''
        ? '—'
        : typeof value === 'object'
          ? value
          : String(value);
    list.append(h('dt', {}, [label]), h('dd', {}, [shown]));
  }
  return list;
}

/** A small status badge: `pending`, `approved`, … @param {string} status */
export function badge(status) {
  return h('span', { className: `badge badge-${status}` }, [status]);
}

/**
 * A button copying `value` to the clipboard, saying so for screen readers too.
 * @param {string} value @param {string} [label]
 */
export function copyButton(value, label = 'Copy') {
  const status = h('span', { className: 'visually-hidden', role: 'status' });
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'secondary copy' }, [label])
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = 'Copied';
      status.textContent = 'Copied to the clipboard.';
    } catch {
      status.textContent = 'The browser did not allow copying: select the text instead.';
    }
  });
  return h('span', { className: 'copy-wrap' }, [button, status]);
}

/**
 * Asks for confirmation in a modal <dialog> (focus trapped by the browser, Escape cancels).
 * @param {{ title: string, message: string, confirm: string, danger?: boolean }} options
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, message, confirm, danger = false }) {
  const dialog = /** @type {HTMLDialogElement} */ (
    h('dialog', { className: 'dialog', 'aria-labelledby': 'dialog-title' })
  );
  const cancelButton = h('button', { type: 'button', className: 'secondary' }, ['Cancel']);
  const confirmButton = h('button', { type: 'button', className: danger ? 'danger' : '' }, [
    confirm,
  ]);
  dialog.append(
    h('h2', { id: 'dialog-title' }, [title]),
    h('p', {}, [message]),
    h('div', { className: 'actions' }, [cancelButton, confirmButton]),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancelButton.addEventListener('click', () => done(false));
    confirmButton.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    dialog.showModal();
    cancelButton.focus();
  });
}

/**
 * @typedef {{ label: string, cell: (row: any) => Node | string }} Column
 * @typedef {{ data: any[], nextCursor: string | null }} Page
 */

/**
 * A table filled page by page: `load(cursor)` answers rows and the next cursor; _Load more_
 * appends the next page. Shows loading, empty (`empty`) and error states. Rows with `href(row)`
 * get their first cell as a link to the detail page.
 * @param {{ caption: string, columns: Column[], load: (cursor: string | null) => Promise<Page>,
 *   empty: string, href?: (row: any) => string, signal?: AbortSignal }} options
 * @returns {HTMLElement}
 */
export function listTable({ caption, columns, load, empty, href, signal }) {
  const body = h('tbody');
  const table = h('table', { className: 'list-table' }, [
    h('caption', { className: 'visually-hidden' }, [caption]),
    h('thead', {}, [
      h(
        'tr',
        {},
        columns.map((column) => h('th', { scope: 'col' }, [column.label])),
      ),
    ]),
    body,
  ]);
  // Focusable, so a keyboard user can scroll a table wider than a phone's screen.
  const wrap = h(
    'div',
    { className: 'table-wrap', tabIndex: 0, role: 'region', 'aria-label': caption },
    [table],
  );
  const status = h('div', { className: 'list-status' });
  const more = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'secondary load-more', hidden: true }, ['Load more'])
  );
  const container = h('div', { className: 'list' }, [wrap, status, more]);
  /** @type {string | null} */
  let cursor = null;
  let count = 0;

  async function next() {
    status.replaceChildren(loadingState());
    more.disabled = true;
    try {
      const page = await load(cursor);
      if (signal?.aborted) return;
      for (const row of page.data) {
        const cells = columns.map((column, index) => {
          const content = column.cell(row);
          const inner = index === 0 && href ? h('a', { href: href(row) }, [content]) : content;
          return index === 0 ? h('th', { scope: 'row' }, [inner]) : h('td', {}, [inner]);
        });
        body.append(h('tr', {}, cells));
      }
      count += page.data.length;
      cursor = page.nextCursor;
      status.replaceChildren(count === 0 ? emptyState(empty) : '');
      wrap.hidden = count === 0;
      more.hidden = !cursor;
    } catch (error) {
      if (signal?.aborted) return;
      status.replaceChildren(errorState(error));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => void next());
  void next();
  return container;
}

/**
 * @typedef {{ name: string, label: string, type?: 'text' | 'date' | 'select',
 *   options?: Array<[string, string]>, placeholder?: string }} FilterField
 */

/**
 * A filter form whose values come from and go to the URL's query (after `?` in the hash), so a
 * filtered list can be linked and survives a reload. Submitting calls `navigate` with the new hash.
 * @param {{ fields: FilterField[], query: URLSearchParams, base: string,
 *   navigate: (hash: string) => void }} options
 * @returns {HTMLElement}
 */
export function filterForm({ fields, query, base, navigate }) {
  const form = /** @type {HTMLFormElement} */ (
    h('form', { className: 'filters inline-form', role: 'search' })
  );
  for (const field of fields) {
    const id = `filter-${field.name}`;
    /** @type {HTMLInputElement | HTMLSelectElement} */
    let control;
    if (field.type === 'select') {
      control = /** @type {HTMLSelectElement} */ (
        h(
          'select',
          { id, name: field.name },
          (field.options ?? []).map(([value, text]) => h('option', { value }, [text])),
        )
      );
    } else {
      control = /** @type {HTMLInputElement} */ (
        h('input', {
          id,
          name: field.name,
          type: field.type ?? 'text',
          placeholder: field.placeholder ?? '',
        })
      );
    }
    control.value = query.get(field.name) ?? '';
    form.append(
      h('div', { className: 'field' }, [h('label', { htmlFor: id }, [field.label]), control]),
    );
  }
  const clear = h('button', { type: 'button', className: 'secondary' }, ['Clear']);
  form.append(
    h('div', { className: 'actions' }, [h('button', { type: 'submit' }, ['Filter']), clear]),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (typeof value === 'string' && value.trim()) next.set(name, value.trim());
    const text = next.toString();
    navigate(text ? `${base}?${text}` : base);
  });
  clear.addEventListener('click', () => navigate(base));
  return form;
}

/**
 * Runs `task` with the button disabled and marked busy; shows its error under the button's
 * parent in `errorBox`.
 * @param {HTMLButtonElement} button @param {HTMLElement} errorBox @param {() => Promise<void>} task
 */
export async function act(button, errorBox, task) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  errorBox.replaceChildren();
  try {
    await task();
  } catch (error) {
    errorBox.replaceChildren(errorState(error));
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Wires `button` to ask first (a confirm dialog, danger style unless `danger: false`), then run
 * `task` through {@link act}: busy while it runs, its error shown in `errorBox`.
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} errorBox
 * @param {{ title: string, message: string, confirm: string, danger?: boolean }} question
 * @param {() => Promise<void>} task
 */
export function confirmThenAct(button, errorBox, question, task) {
  button.addEventListener('click', async () => {
    if (await confirmDialog({ danger: true, ...question })) await act(button, errorBox, task);
  });
}
