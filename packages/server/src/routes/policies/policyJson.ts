import { formatTimestamp, type ApproverGroupRecord, type PolicyRecord } from '@keyra/core';
import type { ApproverGroup, Policy } from '@keyra/contract';

/** The API form of one policy version. */
export function policyJson(record: PolicyRecord): Policy {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    priority: record.priority,
    version: record.version,
    match: record.match,
    require: record.require,
    createdAt: formatTimestamp(record.createdAt),
    updatedAt: formatTimestamp(record.updatedAt),
    deletedAt: record.deletedAt === null ? null : formatTimestamp(record.deletedAt),
  };
}

export function approverGroupJson(record: ApproverGroupRecord): ApproverGroup {
  return {
    name: record.name,
    members: record.members,
    createdAt: formatTimestamp(record.createdAt),
    updatedAt: formatTimestamp(record.updatedAt),
  };
}
