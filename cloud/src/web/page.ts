/** The HTML shell of the dashboard and admin portal; everything else comes from the bundle. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pageHtml(hash: string): string {
  const h = escape(hash);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vitals dashboard</title>
<link rel="stylesheet" href="/assets/app.${h}.css">
<script type="module" src="/assets/app.${h}.js"></script>
</head>
<body>
<div id="app"><p class="boot">Loading…</p></div>
<noscript><p>The dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
}

export function unavailableHtml(reason: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard unavailable</title></head>
<body style="font-family:sans-serif;padding:2rem">
<h1>The dashboard could not be built</h1>
<p>The APIs behind it keep running. Reason: ${escape(reason)}</p>
</body></html>
`;
}

export const PAGE_HEADERS = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});
