// The Usage view: plan, free proofs used and left, overage, and verifications per day and per
// method from `GET /v1/usage`.

import { pageError } from './keyra.js';
import { $, busy, clearError, formatCount, h, showError, showJson } from './ui.js';

const METHODS = /** @type {const} */ (['device', 'passkey', 'voice']);
/** @type {Record<string, string>} */
const PLAN_NAMES = { pilot: 'Pilot', production: 'Production', scale: 'Scale' };
const SVG = 'http://www.w3.org/2000/svg';
const DAY_MS = 86_400_000;

/** A UTC day `YYYY-MM-DD`, `offset` days from today. @param {number} [offset] */
function utcDay(offset = 0) {
  return new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
}

/** The ranges of the preset buttons: [from, to]. */
const PRESETS = {
  month: () => [`${utcDay().slice(0, 8)}01`, utcDay()],
  30: () => [utcDay(-29), utcDay()],
  365: () => [utcDay(-364), utcDay()],
};

/** `1 verification`, `2 verifications`. @param {number} value */
function verifications(value) {
  return `${formatCount(value)} verification${value === 1 ? '' : 's'}`;
}

/** @param {SVGElement} parent @param {string} tag @param {Record<string, string | number>} attributes */
function svg(parent, tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  parent.append(element);
  return element;
}

/**
 * Draws one bar per day, credit at the bottom and overage stacked on top. The SVG stretches to
 * the card's width (`preserveAspectRatio="none"`), so labels live in HTML around it.
 * @param {Array<Record<string, any>>} days
 */
function renderChart(days) {
  const chart = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('usage-chart')));
  chart.replaceChildren();
  const peak = Math.max(1, ...days.map((day) => day.verifications));
  const slot = 10;
  const height = 100;
  chart.setAttribute('viewBox', `0 0 ${days.length * slot} ${height}`);
  days.forEach((day, index) => {
    const group = svg(chart, 'g', { class: 'chart-day' });
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${day.date}: ${verifications(day.verifications)} (${formatCount(day.credit)} free, ${formatCount(day.overage)} overage)`;
    group.append(title);
    // A full-height transparent slot so the tooltip works on empty days too.
    svg(group, 'rect', { class: 'bar-slot', x: index * slot, y: 0, width: slot, height });
    const creditHeight = (day.credit / peak) * height;
    const overageHeight = (day.overage / peak) * height;
    const x = index * slot + slot * 0.15;
    const width = slot * 0.7;
    if (day.credit > 0)
      svg(group, 'rect', {
        class: 'bar-credit',
        x,
        y: height - creditHeight,
        width,
        height: creditHeight,
      });
    if (day.overage > 0)
      svg(group, 'rect', {
        class: 'bar-overage',
        x,
        y: height - creditHeight - overageHeight,
        width,
        height: overageHeight,
      });
  });
  svg(chart, 'line', {
    class: 'chart-axis',
    x1: 0,
    x2: days.length * slot,
    y1: height,
    y2: height,
    'vector-effect': 'non-scaling-stroke',
  });
  const busiest = days.reduce((best, day) => (day.verifications > best.verifications ? day : best));
  const total = days.reduce((sum, day) => sum + day.verifications, 0);
  $('usage-chart-desc').textContent =
    total === 0
      ? `No verifications from ${days[0].date} to ${days[days.length - 1].date}.`
      : `${verifications(total)} from ${days[0].date} to ${days[days.length - 1].date}; the busiest day was ${busiest.date} with ${formatCount(busiest.verifications)}.`;
  $('usage-chart-max').textContent = formatCount(peak);
  $('usage-chart-from').textContent = days[0].date;
  $('usage-chart-to').textContent = days[days.length - 1].date;
}

/** @param {Record<string, any>} counts @param {string} label @param {string} [className] */
function countsRow(counts, label, className) {
  const cells = [
    counts.verifications,
    counts.credit,
    counts.overage,
    ...METHODS.map((method) => counts.byMethod[method]),
  ].map((value) => h('td', { className: 'num', textContent: formatCount(value) }));
  return h('tr', className ? { className } : {}, [
    h('th', { scope: 'row', textContent: label }),
    ...cells,
  ]);
}

/** @param {Record<string, any>} report */
function renderTable(report) {
  const showEmpty = /** @type {HTMLInputElement} */ ($('usage-show-empty')).checked;
  /** @type {Array<Record<string, any>>} */
  const days = report.days;
  const rows = days.filter((day) => showEmpty || day.verifications > 0);
  const body = $('usage-days');
  body.replaceChildren(...rows.map((day) => countsRow(day, day.date)));
  if (rows.length === 0)
    body.append(
      h('tr', {}, [
        h('td', {
          colSpan: 7,
          className: 'empty',
          textContent: `No verifications in ${report.environment} from ${report.from} to ${report.to}.`,
        }),
      ]),
    );
  $('usage-totals-row').replaceChildren(...countsRow(report.totals, 'Total').childNodes);
  const hidden = report.days.length - rows.length;
  $('usage-hidden-days').textContent =
    hidden > 0 ? `${formatCount(hidden)} days without verifications are not listed.` : '';
}

/** @param {Record<string, any>} report */
function renderMethods(report) {
  const peak = Math.max(1, ...METHODS.map((method) => report.totals.byMethod[method]));
  for (const method of METHODS) {
    const count = report.totals.byMethod[method];
    $(`usage-by-${method}`).textContent = formatCount(count);
    // CSSOM, not a style attribute: the console's CSP has no 'unsafe-inline'.
    $(`usage-bar-${method}`).style.width = `${(count / peak) * 100}%`;
  }
}

/** @param {Record<string, any>} report */
function renderReport(report) {
  const { credits } = report;
  $('usage-plan').textContent = PLAN_NAMES[report.plan] ?? report.plan;
  $('usage-credits-used').textContent = formatCount(credits.used);
  $('usage-credits-granted').textContent = formatCount(credits.granted);
  $('usage-credits-remaining').textContent = formatCount(credits.remaining);
  const bar = /** @type {HTMLProgressElement} */ ($('usage-credits-bar'));
  bar.max = Math.max(1, credits.granted);
  bar.value = credits.used;
  bar.textContent = `${formatCount(credits.used)} of ${formatCount(credits.granted)}`;
  $('usage-overage').textContent = formatCount(report.overage);
  $('usage-overage-card').classList.toggle('stat-warn', report.overage > 0);
  $('usage-total').textContent = formatCount(report.totals.verifications);
  $('usage-total-split').textContent =
    `${formatCount(report.totals.credit)} from the free proofs, ${formatCount(report.totals.overage)} overage`;
  $('usage-environment').textContent = report.environment;
  $('usage-period').textContent = `${report.from} → ${report.to}`;
  renderMethods(report);
  renderChart(report.days);
  renderTable(report);
  showJson($('usage-json'), report);
  $('usage-result').hidden = false;
}

/**
 * Wires the Usage view.
 * @param {{ clients: import('./keyra.js').Clients }} context
 * @returns {{ show: () => void }} `show` loads the report when the view is opened
 */
export function startUsage({ clients }) {
  const from = /** @type {HTMLInputElement} */ ($('usage-from'));
  const to = /** @type {HTMLInputElement} */ ($('usage-to'));
  const button = /** @type {HTMLButtonElement} */ ($('usage-load'));
  /** The last report shown, for the "days without verifications" toggle. */
  /** @type {import('../sdk/index.js').UsageReport | null} */
  let report = null;

  async function load() {
    clearError('usage-error');
    try {
      // An incomplete date reads as '' and would silently become the server's default.
      for (const input of [from, to])
        if (input.validity.badInput)
          throw pageError('invalid_date', `Complete the "${input.labels?.[0]?.textContent}" date.`);
      report = await clients.withKey().usage.retrieve({
        from: from.value || undefined,
        to: to.value || undefined,
      });
      renderReport(report);
    } catch (error) {
      $('usage-result').hidden = true;
      showError('usage-error', error);
    }
  }

  [from.value, to.value] = PRESETS.month();
  $('usage-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(button, load);
  });
  for (const preset of document.querySelectorAll('[data-usage-range]')) {
    preset.addEventListener('click', () => {
      const range = /** @type {keyof typeof PRESETS} */ (preset.getAttribute('data-usage-range'));
      [from.value, to.value] = PRESETS[range]();
      busy(button, load);
    });
  }
  $('usage-show-empty').addEventListener('change', () => {
    if (report) renderTable(report);
  });
  return { show: () => busy(button, load) };
}
