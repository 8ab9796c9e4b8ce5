// hub/dashboard — the console's page shell served at GET /: the bundle's styles and script (both from this hub, no
// CDN) and a root the client renders into. What it shows is the client's (hub/dashboard/client).
import { clientShell } from '../../runtime/client-bundle.js';

export const DASHBOARD_HTML = clientShell('dockgate console', '/dashboard');
