// hub/dashboard — the console's page shell served at GET /: the bundle's styles and script (both from this hub, no
// CDN) and a root the client renders into. What it shows is the client's (hub/dashboard/client).

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dockgate console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
