// hub/dashboard — the client's files: the built ones (npm run build:dashboard writes dist/hub/dashboard/public/app.js
// and app.css) when they sit beside this module, else bundled in memory from client/ (running from source). Either way
// they are served by this process: no CDN.
import { fileURLToPath } from 'node:url';
import { clientAssetsLoader } from '../../runtime/client-bundle.js';
import { CLIENT_ENTRY } from './bundle.js';

export const clientAssets = clientAssetsLoader(fileURLToPath(new URL('./public', import.meta.url)), CLIENT_ENTRY);
