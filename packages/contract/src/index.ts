/**
 * The request and response schemas of the KEYRA API. One definition, three uses: the server
 * validates requests with them, the OpenAPI document is generated from them, and the SDK's
 * types are inferred from them.
 */
export { ErrorBody, Timestamp } from './common.js';
export {
  Challenge,
  ChallengeId,
  ChallengeList,
  ChallengeParams,
  ChallengeStatus,
  CreateChallengeBody,
  CreatedChallenge,
  ListChallengesQuery,
  Approvers,
  Quorum,
  RejectOn,
  ChallengeVote,
} from './challenges.js';
export {
  AuthenticationOptions,
  AuthenticationOptionsBody,
  Device,
  DeviceId,
  DeviceList,
  DeviceParams,
  Jwks,
  ListDevicesQuery,
  RegistrationOptions,
  RegistrationOptionsBody,
  SimulatorCertificate,
  SimulatorCertificateBody,
  UpdateDeviceBody,
  VerifiedAuthentication,
  VerifiedChallenge,
  VerifyAuthenticationBody,
  VerifyChallengeBody,
  VerifyRegistrationBody,
  WebAuthnResponse,
} from './credentials.js';
export {
  EnrollBody,
  Enrollment,
  EnrollmentParams,
  EnrollmentStatus,
  IssuedPhrase,
  ListVerifyLogsQuery,
  PhraseBody,
  VerifyBody,
  VerifyLog,
  VerifyLogList,
  VerifyResult,
} from './voice.js';
export {
  DeviceChallenge,
  DeviceChallengeList,
  DeviceChallengesQuery,
  DeviceRespondBody,
  DeviceSession,
  DeviceSessionBody,
  DeviceSessionOptionsBody,
} from './deviceApi.js';
export {
  CreateWebhookEndpointBody,
  Event,
  EventList,
  EventParams,
  ListAttemptsQuery,
  ListEventsQuery,
  Redelivery,
  RedeliverBody,
  UpdateWebhookEndpointBody,
  WebhookAttempt,
  WebhookAttemptList,
  WebhookEndpoint,
  WebhookEndpointId,
  WebhookEndpointList,
  WebhookEndpointParams,
} from './webhooks.js';
export {
  EasOffchainAttestation,
  Stamp,
  StampConfig,
  StampId,
  StampOnchain,
  StampParams,
  UsageQuery,
  UsageReport,
} from './stamps.js';
export {
  ApprovalResult,
  ApprovalState,
  GetApprovalInput,
  ProofCheck,
  RequestApprovalInput,
  VerifyProofInput,
} from './mcp.js';
export {
  AuthorizationDetails,
  BackchannelAuthenticationForm,
  BackchannelAuthenticationResponse,
  CibaTokenResponse,
  OAuthErrorBody,
  OpenIdConfiguration,
  TokenForm,
} from './oauth.js';
export {
  AuditCheckpoint,
  AuditCheckpointList,
  AuditEntry,
  AuditList,
  ExportAuditQuery,
  ListAuditCheckpointsQuery,
  ListAuditQuery,
} from './audit.js';
export {
  ConsoleActionList,
  ConsoleInvite,
  ConsoleMemberList,
  ConsoleMemberParams,
  ConsoleRole,
  ConsoleSession,
  ConsoleSessionList,
  ConsoleUser,
  EnrolmentOptions,
  EnrolmentOptionsBody,
  FinishEnrolmentBody,
  FinishSignInBody,
  InviteMemberBody,
  SignedOutEverywhere,
  SignInOptions,
  UpdateMemberBody,
} from './console.js';
export {
  ConsoleApiKey,
  ConsoleApiKeyId,
  ConsoleApiKeyList,
  ConsoleApiKeyParams,
  ConsoleApiKeyQuery,
  CreateConsoleApiKeyBody,
  IssuedConsoleApiKey,
  RotateConsoleApiKeyBody,
} from './consoleKeys.js';
