/**
 * The dashboard (`GET /`): one self-contained HTML page, built once per container. Styles, script
 * and the world map are inline; the page fetches nothing but the API beside it, and its Content
 * Security Policy (hashes of the inline script and style) lets a browser enforce exactly that.
 * The script and the stylesheet are real files imported as text (text-imports.d.ts says how).
 */
import { createHash } from 'node:crypto';
import DASHBOARD_SCRIPT from './app.browser.js';
import DASHBOARD_CSS from './style.css';
import { LAND_PATH } from './world-land.ts';

/** Map units per degree in the equirectangular projection of {@link LAND_PATH}. */
const UNITS = 5;
/** The map shows 75°N to 60°S: the ISS (inclination 51.6°) never leaves that band. */
const MAP_NORTH = 75;
const MAP_SOUTH = -60;

function graticule(): string {
  const lines: string[] = [];
  for (let lon = -150; lon <= 150; lon += 30) {
    const x = (lon + 180) * UNITS;
    lines.push(`M${x} ${(90 - MAP_NORTH) * UNITS}V${(90 - MAP_SOUTH) * UNITS}`);
  }
  for (let lat = -60; lat <= 60; lat += 30) {
    if (lat === 0) continue;
    lines.push(`M0 ${(90 - lat) * UNITS}H${360 * UNITS}`);
  }
  return lines.join('');
}

const viewBox = `0 ${(90 - MAP_NORTH) * UNITS} ${360 * UNITS} ${(MAP_NORTH - MAP_SOUTH) * UNITS}`;

const kpi = (id: string, label: string) =>
  `<div class="kpi"><div class="label" id="kpi-${id}-label">${label}</div><div class="value num" id="kpi-${id}">–</div><div class="sub" id="kpi-${id}-sub"></div></div>`;

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>Trending hashtags · live</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<div class="wrap">
  <header class="top">
    <div class="brand">
      <h1><span class="hash">#</span>Trending hashtags</h1>
      <p>Live counts from the tweet stream by event time, with the International Space Station overhead.</p>
    </div>
    <div class="controls">
      <div class="seg" id="view-choice" role="group" aria-label="Top list">
        <button type="button" data-view="sliding" aria-pressed="true">Sliding</button>
        <button type="button" data-view="tumbling" aria-pressed="false">Tumbling</button>
      </div>
      <div class="seg" id="span-choice" role="group" aria-label="Span of both lists">
        <button type="button" data-span="1m" aria-pressed="true">1 min</button>
        <button type="button" data-span="5m" aria-pressed="false">5 min</button>
        <button type="button" data-span="15m" aria-pressed="false">15 min</button>
        <button type="button" data-span="60m" aria-pressed="false">60 min</button>
      </div>
      <span class="status" id="status" data-state="idle" role="status" aria-live="polite"><span class="dot"></span><span id="status-text">Connecting…</span></span>
    </div>
  </header>

  <section class="kpis" aria-label="Totals">
    ${kpi('count', 'Hashtags counted')}
    ${kpi('distinct', 'Distinct hashtags')}
    ${kpi('accepted', 'Records accepted <span class="scope">· all time</span>')}
    ${kpi('late', 'Late · rejected <span class="scope">· all time</span>')}
  </section>

  <main class="grid">
    <section class="card" aria-labelledby="top-title">
      <div class="head">
        <h2 id="top-title">Top hashtags<span class="badge open" id="window-badge">open</span></h2>
        <div class="meta num" id="window-label"></div>
      </div>
      <ol class="bars" id="bars" aria-label="Top hashtags by count"></ol>
      <p class="note" id="bars-note"></p>
      <div class="empty" id="bars-empty" hidden>No hashtags counted in this window yet.<br>
        Records appear here as the counter applies them: start the tweet generator, or send JSON with a <code>hashtag_principal</code> to the topic.</div>
    </section>

    <section class="card" aria-labelledby="rising-title">
      <div class="head">
        <h2 id="rising-title">Rising now</h2>
        <div class="meta num" id="rising-label"></div>
      </div>
      <ol class="risers" id="rising" aria-label="Hashtags rising above their own baseline"></ol>
      <p class="empty" id="rising-empty" hidden></p>
      <p class="note">Score: how many standard deviations a tag's count over the last complete span stands above its own recent baseline. Line: its last 15 minutes.</p>
    </section>

    <div class="side">
      <section class="card history" aria-labelledby="history-title">
        <div class="head"><h2 id="history-title">Hashtags per minute</h2><div class="meta" id="history-label"></div></div>
        <svg id="history" viewBox="0 0 600 210" role="img" aria-label="Hashtags counted per window">
          <defs><linearGradient id="colFill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#818cf8"/><stop offset="1" stop-color="#38bdf8" stop-opacity="0.55"/></linearGradient></defs>
        </svg>
      </section>

      <section class="card" aria-labelledby="iss-title">
        <div class="head"><h2 id="iss-title">Where the ISS is</h2><div class="meta num" id="iss-label"></div></div>
        <div class="map">
          <svg id="map" viewBox="${viewBox}" role="img" aria-label="World map with the ISS position and its recent track">
            <path class="graticule" d="${graticule()}"/>
            <path class="equator" d="M0 ${90 * UNITS}H${360 * UNITS}"/>
            <path class="land" d="${LAND_PATH}"/>
            <g id="trail"></g>
            <g id="iss" visibility="hidden"><circle class="iss-ring" r="22"/><circle class="iss-dot" r="17"/><text class="iss-label" id="iss-tag" x="30" y="-22">ISS</text></g>
          </svg>
        </div>
        <div class="iss-facts" id="iss-facts"></div>
      </section>
    </div>
  </main>

  <footer>
    <span>A window closes when the watermark (latest event time seen minus the allowed lateness) passes its end; later records are counted as late.</span>
    <span>The two cards marked “all time” count records since the counter's state was created; the others cover the chosen span.</span>
    <span>JSON: <a href="top-hashtags">/top-hashtags</a> · <a href="top-hashtags?view=trending">trending</a> · <a href="top-hashtags/history">/top-hashtags/history</a> · <a href="iss/position">/iss/position</a></span>
  </footer>
</div>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The page, byte for byte. */
export const DASHBOARD_HTML: string = HTML;

/**
 * The page's Content Security Policy: only its own inline script and style (by hash) and requests
 * to its own origin. Inline `style` properties set from the script are CSSOM writes, which CSP allows.
 */
export const DASHBOARD_CSP: string = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_CSS)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
