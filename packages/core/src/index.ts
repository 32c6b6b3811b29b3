export * from './domain.js';
export * from './ports.js';
export { canonicalJson } from './challenges/canonicalJson.js';
export {
  challengeDigest,
  challengeDocument,
  rejectionChallenge,
  type ChallengeDigestInput,
} from './challenges/challengeDigest.js';
export { formatTimestamp } from './time.js';
