// hub/dashboard — bundling the console's client (hub/dashboard/client) into one app.js and one app.css, the way every
// browser client of dockgate is bundled (runtime/client-bundle.ts).
import { fileURLToPath } from 'node:url';
import { bundleBrowserClient, type ClientBundle } from '../../runtime/client-bundle.js';

export type { ClientBundle };

export const CLIENT_ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));

export function bundleClient(): Promise<ClientBundle> {
  return bundleBrowserClient(CLIENT_ENTRY);
}
