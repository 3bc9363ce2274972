/** The HTML shell of the nurses' station: everything else comes from the bundle and the stream. */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pageHtml(o: { hash: string; title: string }): string {
  const h = escape(o.hash);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>${escape(o.title)}</title>
<link rel="stylesheet" href="/ward/app.${h}.css">
<script type="module" src="/ward/app.${h}.js"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the ward view…</p></div>
<noscript><p class="boot">The nurses' station view needs JavaScript.</p></noscript>
</body>
</html>
`;
}

export function unavailableHtml(reason: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nurses' station unavailable</title></head>
<body style="font-family:sans-serif;background:#111;color:#eee;padding:2rem">
<h1>The nurses' station view could not be built</h1>
<p>The gateway keeps receiving, storing and forwarding readings. Reason: ${escape(reason)}</p>
</body></html>
`;
}

/** Security headers of the page and its assets: nothing loads from anywhere but the gateway. */
export const PAGE_HEADERS = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});
