import { KeyraError } from '../errors.js';
import { hasConsoleRole, type ConsoleRole, type ConsoleUserRecord } from './consoleRecords.js';

/** Refuses with `console_role_insufficient` unless `user`'s role is at least `minimum`. */
export function requireConsoleRole(
  user: Pick<ConsoleUserRecord, 'role'>,
  minimum: ConsoleRole,
  what: string,
): void {
  if (!hasConsoleRole(user.role, minimum)) {
    throw new KeyraError(
      'console_role_insufficient',
      `${what} needs the ${minimum} role; you are ${user.role === 'admin' ? 'an' : 'a'} ${user.role}.`,
      { details: { required: minimum, role: user.role } },
    );
  }
}
