// The console's views, by id (the shell's nav lists every id; an id missing here says "not built
// yet"). One line per view module in views/<id>.js.

import challenges from './challenges.js';
import devices from './devices.js';
import keys from './keys.js';
import members from './members.js';
import overview from './overview.js';
import playground from './playground.js';
import usage from './usage.js';
import webhooks from './webhooks.js';
import events from './events.js';
import voice from './voice.js';
import stamps from './stamps.js';
import audit from './audit.js';
import policies from './policies.js';

/** @type {import('../shell.js').ConsoleView[]} */
export const VIEWS = [
  overview,
  challenges,
  devices,
  keys,
  members,
  playground,
  usage,
  webhooks,
  events,
  voice,
  stamps,
  audit,
  policies,
];
