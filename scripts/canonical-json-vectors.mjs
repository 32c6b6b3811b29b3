import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
// Regenerates fixtures/canonical-json/vectors.json (see its README): node scripts/canonical-json-vectors.mjs
import { canonicalJson } from '@keyra/core';
const cases = [
  ['empty object', '{}'],
  ['the seed payload', '{"currency":"USD","amount":12500}'],
  ['nested objects and arrays keep array order', '{"b":[3,1,2],"a":{"z":null,"y":true,"x":false}}'],
  ['whitespace is dropped', '{ "a" : [ 1 , 2 ] ,\n "b" : "c" }'],
  [
    'RFC 8785 §3.2.2.3 numbers',
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}',
  ],
  [
    'negative zero and integers at the 2^53 edge',
    '{"n":[-0,9007199254740991,-9007199254740991,1e21,1e-7,123e-2]}',
  ],
  [
    'RFC 8785 §3.2.2.2 string escapes',
    '{"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"}',
  ],
  [
    'RFC 8785 §3.2.3 member order by UTF-16 code units',
    '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
  ],
  ['RFC 8785 §3.2.1 literals', '{"literals":[null,true,false]}'],
  ['non-ASCII text is not escaped', '{"memo":"Überweisung für Café ☕ 日本"}'],
  ['control characters use short or \\u escapes', '{"c":"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f"}'],
];
const vectors = cases.map(([name, input]) => {
  const canonical = canonicalJson(JSON.parse(input));
  return {
    name,
    input,
    canonical,
    sha256: createHash('sha256').update(canonical, 'utf8').digest('hex'),
  };
});
const doc = {
  description:
    "RFC 8785 (JCS) vectors shared by the server (core), the TypeScript, Python and Go SDKs: each parses `input` with its own JSON parser, canonicalizes it, and must print exactly `canonical`, whose UTF-8 SHA-256 (a proof's payloadDigest) is `sha256`. See README.md for where each case comes from.",
  vectors,
};
writeFileSync('fixtures/canonical-json/vectors.json', JSON.stringify(doc, null, 2) + '\n');
for (const v of vectors) console.log(v.name, '→', v.canonical);
