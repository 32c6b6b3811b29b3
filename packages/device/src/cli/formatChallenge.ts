import type { DeviceChallenge } from '@keyra/sdk';

/**
 * The challenge as the device's screen shows it: action, user, the binding message of a CIBA
 * request, expiry and every payload field.
 * Every string is shown JSON-quoted with invisible and control characters escaped, so a payload
 * cannot hide text, move the cursor or fake another field on the human's terminal.
 */
export function formatChallenge(challenge: DeviceChallenge, now: number): string {
  const lines = [
    `┌─ KEYRA ONE · challenge ${safe(challenge.id)}`,
    `│ action   ${safe(challenge.action)}`,
    ...(challenge.approvers !== undefined
      ? [`│ quorum   ${challenge.quorum ?? '?'} of ${challenge.approvers.map(safe).join(', ')}`]
      : [`│ user     ${safe(challenge.userId ?? '')}`]),
    // The CIBA client's binding message: compare it with what the client's own screen shows.
    ...(challenge.bindingMessage !== undefined
      ? [`│ binding  ${quote(challenge.bindingMessage)}`]
      : []),
    `│ expires  ${safe(challenge.expiresAt)} (${remaining(Date.parse(challenge.expiresAt) - now)})`,
    ...(challenge.status === 'pending' ? [] : [`│ status   ${safe(challenge.status)}`]),
    '│ payload',
    ...payloadLines(challenge.payload, '│   '),
    '└─',
  ];
  return `${lines.join('\n')}\n`;
}

function payloadLines(value: Record<string, unknown>, indent: string): string[] {
  const keys = Object.keys(value);
  if (keys.length === 0) return [`${indent}(empty)`];
  const lines: string[] = [];
  for (const key of keys.sort()) {
    const item = value[key];
    const label = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : quote(key);
    if (isRecord(item) && Object.keys(item).length > 0) {
      lines.push(`${indent}${label}:`);
      lines.push(...payloadLines(item, `${indent}  `));
    } else {
      lines.push(`${indent}${label}: ${quote(item)}`);
    }
  }
  return lines;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text with everything a terminal might not print faithfully escaped as `\uXXXX`. */
function quote(value: unknown): string {
  return JSON.stringify(value).replace(
    // C1 controls, DEL, zero-width and bidirectional marks, line/paragraph separators, BOM.
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** An identifier-like string bare; anything else quoted and escaped. */
function safe(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) ? text : quote(text);
}

function remaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes >= 60) return `in ${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return minutes > 0 ? `in ${minutes}m ${seconds % 60}s` : `in ${seconds}s`;
}
