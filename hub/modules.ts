// hub — which optional rooms the hub runs (receiving, channels, ops surface …) and how each is attached.
import type { HubModules } from './app.js';
import type { HubConfig } from './config/schema.js';

export function hubModules(_config: HubConfig): HubModules {
  return { migrations: [], api: [] };
}
