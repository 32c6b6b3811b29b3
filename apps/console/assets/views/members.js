// Members: the tenant's console users (admins and owners see them); owners invite (a one-time
// link, shown once), change roles and disable. `#/members/<id>` is one member.

import {
  act,
  badge,
  can,
  confirmThenAct,
  copyButton,
  dateText,
  detailList,
  emptyState,
  errorState,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';

const ROLES = /** @type {const} */ (['viewer', 'developer', 'admin', 'owner']);

/** @param {import('../consoleApi.js').ConsoleUser} user */
const statusOf = (user) => (user.disabledAt ? 'disabled' : 'active');

/** @param {string} id @param {string} label @param {string} [value] */
function roleSelect(id, label, value = 'viewer') {
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id, name: 'role' },
      ROLES.map((role) => h('option', { value: role }, [role])),
    )
  );
  select.value = value;
  return {
    select,
    field: h('div', { className: 'field' }, [h('label', { htmlFor: id }, [label]), select]),
  };
}

/** @param {import('../shell.js').ViewContext} ctx */
function inviteForm(ctx) {
  const email = /** @type {HTMLInputElement} */ (
    h('input', {
      id: 'invite-email',
      name: 'email',
      type: 'email',
      required: true,
      autocomplete: 'off',
    })
  );
  const { select, field } = roleSelect('invite-role', 'Role');
  const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit' }, ['Invite']));
  const result = h('div', { id: 'invite-result', 'aria-live': 'polite' });
  const form = h('form', { className: 'card inline-form', id: 'invite-form' }, [
    h('h2', {}, ['Invite a member']),
    h('div', { className: 'field' }, [h('label', { htmlFor: 'invite-email' }, ['Email']), email]),
    field,
    h('div', { className: 'actions' }, [submit]),
    result,
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act(submit, result, async () => {
      const role = /** @type {import('../consoleApi.js').ConsoleRole} */ (select.value);
      const invite = await ctx.api.inviteMember({ email: email.value.trim(), role });
      result.replaceChildren(
        h('p', { className: 'ok' }, [
          `Invited ${invite.email} as ${invite.role}. Send them this link; it works once, until `,
          invite.expiresAt,
          ':',
        ]),
        h('p', { className: 'secret', id: 'invite-url' }, [invite.inviteUrl]),
        copyButton(invite.inviteUrl, 'Copy link'),
      );
    });
  });
  return form;
}

/** @param {HTMLElement} root @param {import('../shell.js').ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  root.append(heading('Member'));
  const body = h('div', {}, [loadingState()]);
  root.append(h('p', {}, [h('a', { href: '#/members' }, ['← All members'])]), body);
  const { data } = await ctx.api.listMembers().catch((error) => {
    body.replaceChildren(errorState(error));
    return { data: [] };
  });
  if (ctx.signal.aborted || body.querySelector('.error')) return;
  const member = data.find((user) => user.id === id);
  if (!member) {
    body.replaceChildren(emptyState(`No member ${id} in this tenant.`));
    return;
  }
  const errors = h('div', { 'aria-live': 'polite' });
  body.replaceChildren(
    detailList([
      ['Email', member.email],
      ['Role', member.role],
      ['Status', badge(statusOf(member))],
      ['Id', h('code', {}, [member.id])],
      ['Joined', dateText(member.createdAt)],
      ['Disabled', dateText(member.disabledAt)],
    ]),
  );
  if (!can(ctx.session, 'owner') || member.disabledAt) return;
  const { select, field } = roleSelect('member-role', 'Role', member.role);
  const change = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', id: 'change-role' }, ['Change role'])
  );
  const disable = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'danger', id: 'disable-member' }, ['Disable'])
  );
  change.addEventListener('click', () =>
    act(change, errors, async () => {
      const role = /** @type {import('../consoleApi.js').ConsoleRole} */ (select.value);
      await ctx.api.updateMember(member.id, { role });
      ctx.navigate(`#/members/${member.id}`);
    }),
  );
  confirmThenAct(
    disable,
    errors,
    {
      title: `Disable ${member.email}?`,
      message: 'They are signed out everywhere at once and cannot sign in again.',
      confirm: 'Disable',
    },
    async () => {
      await ctx.api.disableMember(member.id);
      ctx.navigate(`#/members/${member.id}`);
    },
  );
  body.append(
    h('section', { className: 'card' }, [
      h('h2', {}, ['Change']),
      h('div', { className: 'inline-form' }, [
        field,
        h('div', { className: 'actions' }, [change, disable]),
      ]),
      errors,
    ]),
  );
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'members',
  title: 'Members',
  async render(root, ctx) {
    if (ctx.params[0]) return renderDetail(root, ctx, ctx.params[0]);
    root.append(
      heading(
        'Members',
        'Who can sign in to this console, with which role. Members are per tenant: the same in sandbox and production.',
      ),
    );
    if (!can(ctx.session, 'admin')) {
      root.append(emptyState('Only admins and owners see the members.'));
      return;
    }
    if (can(ctx.session, 'owner')) root.append(inviteForm(ctx));
    root.append(
      listTable({
        caption: 'Members',
        columns: [
          { label: 'Email', cell: (user) => user.email },
          { label: 'Role', cell: (user) => user.role },
          { label: 'Status', cell: (user) => badge(statusOf(user)) },
          { label: 'Joined', cell: (user) => dateText(user.createdAt) },
        ],
        load: async () => ({ data: (await ctx.api.listMembers()).data, nextCursor: null }),
        empty: 'No members yet.',
        href: (user) => `#/members/${user.id}`,
        signal: ctx.signal,
      }),
    );
  },
});
