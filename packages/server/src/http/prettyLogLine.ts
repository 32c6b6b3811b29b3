/** pino's numeric levels and how a terminal shows them. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'reqId']);

function show(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/**
 * One JSON log line as one readable line for a terminal:
 * `18:41:12.345 INFO  request completed GET /v1/challenges 201 3.1 ms  req=req_…`, other fields
 * as `key=value`. Anything that is not a JSON object is passed through as it is.
 */
export function prettyLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (entry === null || typeof entry !== 'object') return `${line.trimEnd()}\n`;
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[Number(entry.level)] ?? String(entry.level ?? '');
  const parts = [time, level, String(entry.msg ?? '')];
  const rest = { ...entry };
  if (entry.msg === 'request completed') {
    parts.push(`${String(entry.method)} ${String(entry.url)} ${String(entry.statusCode)}`);
    if (typeof entry.responseTime === 'number') parts.push(`${entry.responseTime.toFixed(1)} ms`);
    for (const key of ['method', 'url', 'statusCode', 'responseTime']) delete rest[key];
  }
  const fields = Object.entries(rest)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  if (typeof entry.reqId === 'string') fields.push(`req=${entry.reqId}`);
  return `${[...parts, ...fields].filter(Boolean).join(' ')}\n`;
}
