// Devices and passkeys: every paired KEYRA ONE and passkey of the environment, filtered by user,
// with its signature counter and last use; `#/devices/<id>` shows one and revokes it.

import {
  badge,
  can,
  confirmThenAct,
  dateText,
  detailList,
  errorState,
  filterForm,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';

/** @param {Record<string, any>} device */
const kindText = (device) => (device.kind === 'passkey' ? 'Passkey' : 'KEYRA ONE');

/** @param {HTMLElement} root @param {import('../shell.js').ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  root.append(heading('Device'), h('p', {}, [h('a', { href: '#/devices' }, ['← All devices'])]));
  const body = h('div', {}, [loadingState()]);
  root.append(body);
  /** @type {Record<string, any>} */
  let device;
  try {
    device = await ctx.api.get(ctx.environment, `/v1/devices/${encodeURIComponent(id)}`);
  } catch (error) {
    body.replaceChildren(errorState(error));
    return;
  }
  if (ctx.signal.aborted) return;
  body.replaceChildren(
    detailList([
      ['Name', device.name],
      ['Kind', kindText(device)],
      ['Id', h('code', {}, [device.deviceId])],
      [
        'User',
        h('a', { href: `#/devices?userId=${encodeURIComponent(device.userId)}` }, [device.userId]),
      ],
      ['Status', badge(device.status)],
      ['Disabled because', device.disabledReason],
      ['Signature counter', String(device.signCount)],
      ['Last used', dateText(device.lastUsedAt)],
      ['Paired', dateText(device.createdAt)],
      ['Revoked', dateText(device.revokedAt)],
      ['AAGUID', h('code', {}, [device.aaguid ?? '—'])],
      [
        'Attestation',
        `${device.attestation.format}${device.attestation.trusted ? ' (trusted root)' : ' (not trusted)'}`,
      ],
    ]),
  );
  if (!can(ctx.session, 'developer') || device.status === 'revoked') return;
  const errors = h('div', { 'aria-live': 'polite' });
  const revoke = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'danger', id: 'revoke-device' }, ['Revoke'])
  );
  confirmThenAct(
    revoke,
    errors,
    {
      title: `Revoke ${device.name}?`,
      message: `${kindText(device)} ${device.deviceId} of ${device.userId} can never approve again. This cannot be undone.`,
      confirm: 'Revoke',
    },
    async () => {
      await ctx.api.delete(ctx.environment, `/v1/devices/${encodeURIComponent(device.deviceId)}`);
      ctx.navigate(`#/devices/${device.deviceId}`);
    },
  );
  body.append(h('section', { className: 'card' }, [h('h2', {}, ['Revoke']), revoke, errors]));
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'devices',
  title: 'Devices & passkeys',
  async render(root, ctx) {
    if (ctx.params[0]) return renderDetail(root, ctx, ctx.params[0]);
    root.append(
      heading(
        'Devices & passkeys',
        `Paired KEYRA ONE devices and passkeys in ${ctx.environment}, newest first: what each user approves with.`,
      ),
      filterForm({
        fields: [
          { name: 'userId', label: 'User', placeholder: 'usr_…' },
          {
            name: 'includeRevoked',
            label: 'Revoked ones',
            type: 'select',
            options: [
              ['', 'Hide'],
              ['true', 'Show'],
            ],
          },
        ],
        query: ctx.query,
        base: '#/devices',
        navigate: ctx.navigate,
      }),
      listTable({
        caption: `Devices and passkeys in ${ctx.environment}`,
        columns: [
          { label: 'Name', cell: (device) => device.name },
          { label: 'Kind', cell: kindText },
          { label: 'User', cell: (device) => device.userId },
          { label: 'Status', cell: (device) => badge(device.status) },
          { label: 'Counter', cell: (device) => String(device.signCount) },
          { label: 'Last used', cell: (device) => dateText(device.lastUsedAt) },
        ],
        load: async () => ({
          data: (
            await ctx.api.get(ctx.environment, '/v1/devices', {
              userId: ctx.query.get('userId'),
              includeRevoked: ctx.query.get('includeRevoked'),
            })
          ).data,
          nextCursor: null,
        }),
        empty: ctx.query.toString()
          ? 'No device or passkey matches these filters.'
          : `No devices or passkeys in ${ctx.environment} yet: users pair them through your app (POST /v1/credentials/register).`,
        href: (device) => `#/devices/${device.deviceId}`,
        signal: ctx.signal,
      }),
    );
  },
});
