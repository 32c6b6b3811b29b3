// Voice: the verify log (every attempt with each gate's outcome and what it measured against its
// threshold: words matched, speaker score, replay similarity, speech, clipping, level, bandwidth
// and SNR; latency; never audio, words or templates), filtered by wallet,
// verdict, method and day, and a wallet's page: what is enrolled for it and its attempts.

import {
  dateText,
  detailList,
  emptyState,
  errorState,
  filterForm,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';
import { ConsoleApiError } from '../consoleApi.js';
import { code, dayRange, link, section, toneBadge } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */
/** @typedef {Record<string, any>} Json */

/** A gate's outcome: passed, failed, or not reached (null). @param {boolean | null} passed */
function gate(passed) {
  if (passed === null) return toneBadge('not run', 'wait');
  return passed ? toneBadge('passed', 'good') : toneBadge('failed', 'bad');
}

/** @param {number | null} value @param {number} digits */
function number(value, digits) {
  return value === null ? '—' : value.toFixed(digits);
}

/**
 * A gate's outcome followed by what it measured against its threshold (nothing when it did not
 * run, or the row predates measures).
 * @param {boolean | null} passed @param {Array<string | false>} measured
 */
function gateCell(passed, measured) {
  const parts = measured.filter((part) => typeof part === 'string');
  return h('span', {}, [
    gate(passed),
    ...(parts.length ? [' ', h('span', { className: 'num' }, [parts.join(' · ')])] : []),
  ]);
}

/** @param {Json} log */
function phraseCell(log) {
  const m = log.measures?.phrase;
  return gateCell(log.gates.phrase, [
    !!m && `${m.matched_words} of ${m.total_words} words / ≥ ${m.required_words}`,
  ]);
}

/** @param {Json} log */
function speakerCell(log) {
  const m = log.measures?.speaker;
  return gateCell(log.gates.speaker, [
    !!m && `${number(m.score, 3)} / ≥ ${number(m.threshold, 3)}`,
  ]);
}

/** @param {Json} log */
function replayCell(log) {
  const m = log.measures?.replay;
  return gateCell(log.gates.replay, [
    !!m && `similarity ${number(m.similarity, 3)} / < ${number(m.threshold, 2)}`,
  ]);
}

/** @param {Json} log */
function qualityCell(log) {
  const m = log.measures?.quality;
  const seconds =
    log.speech_seconds === null
      ? false
      : `${number(log.speech_seconds, 1)} s of speech in ${number(log.audio_seconds, 1)} s`;
  if (!m) return gateCell(log.gates.quality, [seconds]);
  return gateCell(log.gates.quality, [
    `speech ${number(m.speech_seconds, 2)} s / ≥ ${m.min_speech_seconds} s`,
    `clipping ${number(m.clipping_ratio, 4)} / ≤ ${m.max_clipping_ratio}`,
    `level ${number(m.level_dbfs, 1)} dBFS / ≥ ${m.min_level_dbfs}`,
    m.bandwidth_hz !== null && `bandwidth ${m.bandwidth_hz} Hz / ≥ ${m.min_bandwidth_hz}`,
    m.snr_db !== null && `SNR ${number(m.snr_db, 1)} dB / ≥ ${m.min_snr_db}`,
  ]);
}

/**
 * The verify-log table for the filters in `query` (and `wallet`, on a wallet's page).
 * @param {ViewContext} ctx @param {{ wallet?: string }} [fixed]
 */
function logsTable({ api, environment, query, signal }, fixed = {}) {
  const wallet = fixed.wallet ?? query.get('wallet') ?? undefined;
  const verified = query.get('verified') ?? undefined;
  const range = dayRange(query);
  return listTable({
    caption: 'Voice verify log',
    empty: query.size > 0 || wallet ? 'No attempt matches.' : 'No voice verification yet.',
    signal,
    columns: [
      { label: 'When', cell: (row) => dateText(row.created_at) },
      {
        label: 'Wallet',
        cell: (row) => link(`#/voice/${encodeURIComponent(row.wallet)}`, row.wallet),
      },
      {
        label: 'Verdict',
        cell: (row) =>
          h('span', {}, [
            row.verified ? toneBadge('verified', 'good') : toneBadge('refused', 'bad'),
            ` ${row.status}${row.error_code ? ` ${row.error_code}` : ''}`,
          ]),
      },
      { label: 'Method', cell: (row) => row.method },
      { label: 'Phrase (words / required)', cell: phraseCell },
      { label: 'Speaker (score / threshold)', cell: speakerCell },
      { label: 'Replay (similarity / limit)', cell: replayCell },
      { label: 'Quality (measured / limit)', cell: qualityCell },
      { label: 'Latency', cell: (row) => `${row.latency_ms} ms` },
      { label: 'Log id', cell: (row) => code(row.id) },
    ],
    load: async (cursor) => {
      const page = await api.get(environment, '/api/v1/verify_logs', {
        limit: 20,
        wallet,
        verified,
        method: query.get('method') ?? undefined,
        created_from: range.since,
        created_to: range.until,
        cursor,
      });
      return { data: page.data, nextCursor: page.next_cursor };
    },
  });
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
function renderList(root, ctx) {
  const { query, navigate } = ctx;
  const lookup = /** @type {HTMLFormElement} */ (
    h('form', { className: 'inline-form', role: 'search', 'aria-label': 'Open a wallet' }, [
      h('div', { className: 'field' }, [
        h('label', { htmlFor: 'voice-wallet' }, ['Wallet']),
        h('input', {
          id: 'voice-wallet',
          name: 'wallet',
          required: true,
          placeholder: '0xabc… or user id',
        }),
      ]),
      h('div', { className: 'actions' }, [h('button', { type: 'submit' }, ['Open wallet'])]),
    ])
  );
  lookup.addEventListener('submit', (event) => {
    event.preventDefault();
    const wallet = String(new FormData(lookup).get('wallet') ?? '').trim();
    if (wallet) navigate(`#/voice/${encodeURIComponent(wallet)}`);
  });
  root.append(
    heading(
      'Voice',
      `Voice enrolments and every verification attempt in ${ctx.environment}: each gate with what it measured against its threshold, and timing. Audio, words and templates are never shown.`,
    ),
    section('Enrolment of a wallet', [lookup], { id: 'voice-lookup' }),
    filterForm({
      base: '#/voice',
      query,
      navigate,
      fields: [
        { name: 'wallet', label: 'Wallet' },
        {
          name: 'verified',
          label: 'Verdict',
          type: 'select',
          options: [
            ['', 'Any'],
            ['true', 'Verified'],
            ['false', 'Refused'],
          ],
        },
        {
          name: 'method',
          label: 'Method',
          type: 'select',
          options: [
            ['', 'Any'],
            ['voice', 'voice'],
            ['legacy_hash', 'legacy_hash'],
          ],
        },
        { name: 'from', label: 'From (UTC day)', type: 'date' },
        { name: 'to', label: 'To (UTC day)', type: 'date' },
      ],
    }),
    logsTable(ctx),
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx @param {string} wallet */
async function renderWallet(root, ctx, wallet) {
  const { api, environment } = ctx;
  root.append(heading(`Wallet ${wallet}`), h('p', {}, [link('#/voice', '← Voice')]));
  const enrolment = h('div', {}, [loadingState()]);
  root.append(section('Enrolment', [enrolment], { id: 'voice-enrolment' }));
  root.append(section('Verification attempts', [logsTable(ctx, { wallet })], { id: 'voice-logs' }));
  try {
    const found = await api.get(environment, `/api/v1/enrollments/${encodeURIComponent(wallet)}`);
    enrolment.replaceChildren(
      detailList([
        ['Method', found.method],
        ['Projection', found.projection_id],
        ['Params version', found.params_version],
        ['Speaker model', found.model_version],
        ['Enrolled', dateText(found.created_at)],
        ['Last enrolled again', dateText(found.updated_at)],
        ['Template', 'Kept on the server, never shown.'],
      ]),
    );
  } catch (error) {
    enrolment.replaceChildren(
      error instanceof ConsoleApiError && error.status === 404
        ? emptyState(`Nothing is enrolled for ${wallet} in ${environment}.`)
        : errorState(error),
    );
  }
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'voice',
  title: 'Voice',
  async render(root, ctx) {
    if (ctx.params[0]) await renderWallet(root, ctx, ctx.params[0]);
    else renderList(root, ctx);
  },
});
