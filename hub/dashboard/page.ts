// hub/dashboard — the page shell served at GET /: markup and CSS (responsive: a wall screen far away, a tablet in
// hand); the behaviour is the bundled client script /dashboard/app.js. Nothing loads from the internet.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dockgate — docks</title>
<link rel="icon" href="data:,">
<style>
:root { --bg:#0f1419; --panel:#1a2129; --line:#2b3540; --text:#e6edf3; --dim:#8b98a5; --ok:#2ea043; --warn:#d29922; --bad:#f85149; --accent:#58a6ff; }
* { box-sizing: border-box; }
html, body { margin:0; background:var(--bg); color:var(--text); font:16px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (min-width: 1600px) { html, body { font-size: 20px; } }
header { display:flex; flex-wrap:wrap; align-items:center; gap:.75rem; padding:.6rem 1rem; background:var(--panel); border-bottom:1px solid var(--line); position:sticky; top:0; z-index:2; }
header h1 { font-size:1.2rem; margin:0; font-weight:600; }
#verdict { padding:.2rem .7rem; border-radius:1rem; font-weight:700; text-transform:uppercase; letter-spacing:.05em; background:var(--line); }
#verdict.ok { background:var(--ok); } #verdict.degraded { background:var(--warn); color:#000; } #verdict.down { background:var(--bad); }
#reasons { color:var(--dim); font-size:.85rem; flex:1 1 20rem; }
#warnings { color:var(--warn); font-size:.85rem; flex:1 1 100%; } #warnings:empty { display:none; }
#live { font-size:.8rem; color:var(--dim); } #live.on { color:var(--ok); }
#auth { display:flex; gap:.4rem; align-items:center; }
input, button { font:inherit; border-radius:.4rem; border:1px solid var(--line); background:var(--bg); color:var(--text); padding:.35rem .6rem; }
button { cursor:pointer; background:#238636; border-color:#2ea043; min-height:2.2rem; }
button.secondary { background:var(--panel); }
main { padding:1rem; display:grid; gap:1rem; grid-template-columns: minmax(0,3fr) minmax(18rem,1fr); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
section h2 { font-size:1rem; margin:.2rem 0 .6rem; color:var(--dim); font-weight:600; text-transform:uppercase; letter-spacing:.06em; }
#doors { display:grid; gap:.8rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
.tile { background:var(--panel); border:1px solid var(--line); border-left:.4rem solid var(--dim); border-radius:.5rem; padding:.7rem .8rem; min-height:12rem; display:flex; flex-direction:column; gap:.4rem; }
.tile.reading { border-left-color:var(--ok); } .tile.idle { border-left-color:var(--warn); } .tile.off { opacity:.6; }
.tile.has-variances { box-shadow: inset 0 0 0 2px var(--bad); }
.tile .top { display:flex; justify-content:space-between; align-items:baseline; gap:.5rem; }
.tile .name { font-size:1.3rem; font-weight:700; }
.tile .mode { text-transform:uppercase; font-size:.8rem; padding:.1rem .5rem; border-radius:.3rem; background:var(--line); }
.tile .state { font-size:.85rem; color:var(--dim); }
.badge { align-self:flex-start; background:var(--bad); color:#fff; border-radius:1rem; padding:.05rem .55rem; font-weight:700; font-size:.85rem; }
.progress { height:.6rem; background:var(--line); border-radius:.3rem; overflow:hidden; } .progress > div { height:100%; background:var(--accent); }
.passes { list-style:none; margin:0; padding:0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.8rem; max-height:9rem; overflow:hidden; }
.passes li { padding:.15rem 0; border-top:1px solid var(--line); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.passes li.fresh { animation: flash 1.5s ease-out; } .passes li.exception { color:var(--bad); }
@keyframes flash { from { background:#1f6feb55; } to { background:transparent; } }
.list { display:flex; flex-direction:column; gap:.4rem; }
.row { background:var(--panel); border:1px solid var(--line); border-radius:.4rem; padding:.5rem .6rem; font-size:.9rem; }
.row .title { display:flex; justify-content:space-between; gap:.5rem; font-weight:600; }
.row.down, .row.alert { border-left:.3rem solid var(--bad); } .row.online, .row.ok { border-left:.3rem solid var(--ok); } .row.warn { border-left:.3rem solid var(--warn); }
.row .sub { color:var(--dim); font-size:.8rem; }
.variance { border-left:.3rem solid var(--bad); }
.variance form { display:flex; gap:.4rem; margin-top:.4rem; flex-wrap:wrap; } .variance input { flex:1 1 8rem; }
.empty { color:var(--dim); font-size:.9rem; }
#error { color:var(--bad); font-size:.85rem; }
</style>
</head>
<body>
<header>
  <h1>dockgate</h1>
  <span id="site"></span>
  <span id="verdict">…</span>
  <span id="reasons"></span>
  <span id="live">offline</span>
  <form id="auth"><input id="token" type="password" placeholder="API token" autocomplete="off" aria-label="API token"><button type="submit" class="secondary">Use token</button></form>
  <span id="error"></span>
  <span id="warnings"></span>
</header>
<main>
  <section><h2>Doors</h2><div id="doors"></div></section>
  <aside>
    <section><h2>Open variances &amp; exceptions</h2><div id="variances" class="list"></div></section>
    <section><h2>Gateways &amp; readers</h2><div id="gateways" class="list"></div></section>
    <section><h2>Channels</h2><div id="channels" class="list"></div></section>
  </aside>
</main>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
