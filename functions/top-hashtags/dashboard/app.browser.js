// @ts-check
// Over 300 lines: the page's whole script, one file as the browser runs it.
/**
 * The dashboard's browser script, inlined into the page (bundled as text: esbuild's `text` loader,
 * a Jest transform and a tsx load hook; see docs/http-api.md). Plain ES2022, no dependencies,
 * checked by tsc (`// @ts-check`, functions/top-hashtags/dashboard/tsconfig.json) and Biome. It
 * talks only to the API beside the page (relative URLs, so it also works under a path prefix) and
 * polls every few seconds with `cache: 'no-cache'`: an unchanged answer costs a 304.
 */

/**
 * @typedef {{ rank: number, hashtag: string, count: number, baseline?: number, score?: number, recent?: number[] }} Ranked
 * @typedef {{ accepted: number, late: number, duplicate: number, rejected: number }} Stats
 * @typedef {{ view: string, spanSeconds: number, windowStart: string, windowEnd: string, complete: boolean,
 *   watermark: string | null, hashtags: Ranked[], totals: { hashtags: number, count: number }, stats: Stats,
 *   baseline?: { windowStart: string, windowEnd: string, spans: number, spansWithData: number } }} TopBody
 * @typedef {{ windowStart: string, windowEnd: string, total: number }} WindowTotal
 * @typedef {{ windowSeconds: number, windows: WindowTotal[] }} HistoryBody
 * @typedef {{ latitude: number, longitude: number, timestamp: string, source: string }} Position
 * @typedef {{ latest: Position | null, track: Position[] }} IssBody
 * @typedef {Error & { status?: number, problem?: string }} HttpError
 */

(() => {
  const params = new URLSearchParams(location.search);
  // ?refresh=N (seconds, 1..60) changes the polling period; ?view=tumbling starts on the tumbling
  // view; ?span=5m on a longer span.
  const refreshSeconds = Math.min(60, Math.max(1, Number(params.get('refresh')) || 5));
  const LIMIT = 10;
  const HISTORY_WINDOWS = 15;
  const ROW = 50;
  /** @type {Record<string, number>} */
  const SPAN_SECONDS = { '1m': 60, '5m': 300, '15m': 900, '60m': 3600 };
  const SPANS = Object.keys(SPAN_SECONDS);
  let view = params.get('view') === 'tumbling' ? 'tumbling' : 'sliding';
  let span = SPANS.includes(params.get('span') ?? '') ? String(params.get('span')) : '1m';

  /** @param {string} id @returns {HTMLElement} */
  const $ = (id) => {
    const el = document.getElementById(id);
    if (!el) throw new Error(`the page has no #${id}`);
    return el;
  };
  const number = new Intl.NumberFormat();
  const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const clock = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  const hourMinute = new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  const SVG = 'http://www.w3.org/2000/svg';
  /** @type {Map<string, HTMLLIElement>} */
  const rows = new Map();
  /** @type {Position | null} */
  let lastIss = null;
  /** @type {HistoryBody | null} */
  let lastHistory = null;
  let timer = 0;

  /** @param {string} name @param {Record<string, string | number>} attrs @returns {SVGElement} */
  function svg(name, attrs) {
    const el = /** @type {SVGElement} */ (document.createElementNS(SVG, name));
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    return el;
  }

  /** @param {Element} parent @param {string} selector @returns {HTMLElement} */
  function child(parent, selector) {
    const el = parent.querySelector(selector);
    if (!(el instanceof HTMLElement)) throw new Error(`no ${selector}`);
    return el;
  }

  /** @param {string} path @returns {Promise<any>} */
  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-cache', headers: { accept: 'application/json' } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      /** @type {HttpError} */
      const error = new Error(body?.detail || `HTTP ${response.status}`);
      error.status = response.status;
      error.problem = body?.errors?.[0]?.problem;
      throw error;
    }
    return body;
  }

  /** @param {string} state @param {string} text */
  function setStatus(state, text) {
    $('status').dataset.state = state;
    $('status-text').textContent = text;
  }

  /** @param {number} s */
  const spanText = (s) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);

  /** @param {TopBody} data */
  function renderTop(data) {
    const start = new Date(data.windowStart);
    const end = new Date(data.windowEnd);
    const length = spanText(data.spanSeconds);
    $('window-label').textContent =
      `${data.view === 'sliding' ? `Last ${length}` : length} · ${clock.format(start)} – ${clock.format(end)}`;
    const badge = $('window-badge');
    badge.textContent = data.complete ? 'closed' : 'open';
    badge.className = `badge ${data.complete ? 'closed' : 'open'}`;
    badge.title = data.complete
      ? 'The watermark has passed the end of this window: its counts are final.'
      : 'Records for this window are still arriving: counts can grow.';

    $('kpi-count').textContent = number.format(data.totals.count);
    $('kpi-count-sub').textContent =
      data.view === 'sliding' ? `in the last ${length}` : `in the ${length} to ${clock.format(end)}`;
    $('kpi-distinct').textContent = number.format(data.totals.hashtags);
    const top = data.hashtags[0];
    $('kpi-distinct-sub').textContent = top ? `leader ${top.hashtag}` : 'none yet';
    $('kpi-accepted').textContent = number.format(data.stats.accepted);
    $('kpi-accepted-sub').textContent = data.stats.duplicate
      ? `${number.format(data.stats.duplicate)} redelivered, counted once`
      : 'no redeliveries';
    $('kpi-late').textContent = `${number.format(data.stats.late)} · ${number.format(data.stats.rejected)}`;
    $('kpi-late-sub').textContent = data.watermark
      ? `watermark ${clock.format(new Date(data.watermark))}`
      : 'no watermark yet';

    renderBars(data.hashtags, data.totals.count);
    $('bars-note').textContent = data.hashtags.length
      ? `Percentages are shares of all ${number.format(data.totals.count)} hashtags counted ${
          data.view === 'sliding' ? `in the last ${length}` : 'in this span'
        }, across ${number.format(data.totals.hashtags)} distinct hashtags.`
      : '';
  }

  /** @param {string} hashtag @returns {HTMLLIElement} */
  function makeRow(hashtag) {
    const li = document.createElement('li');
    li.className = 'bar';
    li.dataset.hashtag = hashtag;
    li.innerHTML =
      '<span class="rank num"></span><span class="track"><span class="tag"></span><span class="meter"><span class="fill"></span></span></span><span class="count num"><span class="value"></span><span class="share"></span></span>';
    child(li, '.tag').textContent = hashtag;
    return li;
  }

  /** @param {Ranked[]} list @param {number} total */
  function renderBars(list, total) {
    const ol = $('bars');
    const max = list.reduce((m, h) => Math.max(m, h.count), 0);
    const seen = new Set();
    list.forEach((h, i) => {
      const key = h.hashtag.toLowerCase();
      let li = rows.get(key);
      if (!li) {
        li = makeRow(h.hashtag);
        li.style.transform = `translateY(${i * ROW}px)`;
        li.style.opacity = '0';
        rows.set(key, li);
        ol.appendChild(li);
        void li.offsetWidth;
      }
      seen.add(key);
      li.dataset.rank = String(h.rank);
      li.dataset.count = String(h.count);
      li.setAttribute('aria-posinset', String(i + 1));
      li.setAttribute('aria-setsize', String(list.length));
      li.setAttribute('aria-label', `#${h.rank} ${h.hashtag}: ${number.format(h.count)}`);
      li.classList.toggle('top', i === 0);
      child(li, '.rank').textContent = String(h.rank);
      child(li, '.tag').textContent = h.hashtag;
      child(li, '.fill').style.width = `${max ? Math.max(2, (h.count / max) * 100) : 0}%`;
      child(li, '.value').textContent = number.format(h.count);
      child(li, '.share').textContent = total ? `${Math.round((h.count / total) * 1000) / 10}%` : '';
      li.style.transform = `translateY(${i * ROW}px)`;
      li.style.opacity = '1';
    });
    rows.forEach((li, key) => {
      if (!seen.has(key)) {
        li.remove();
        rows.delete(key);
      }
    });
    ol.style.height = `${list.length * ROW}px`;
    $('bars-empty').hidden = list.length > 0;
  }

  /** A 15-point sparkline of `values`, the last one marked. @param {number[]} values @returns {SVGElement} */
  function sparkline(values) {
    const W = 96;
    const H = 26;
    const max = Math.max(1, ...values);
    const step = W / Math.max(1, values.length - 1);
    const points = values.map(
      (v, i) => `${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`,
    );
    const el = svg('svg', {
      class: 'spark',
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      'aria-hidden': 'true',
    });
    el.appendChild(svg('polyline', { points: points.join(' ') }));
    const last = points.at(-1)?.split(',') ?? ['0', '0'];
    el.appendChild(svg('circle', { cx: last[0] ?? 0, cy: last[1] ?? 0, r: 2.5 }));
    return el;
  }

  /** @param {TopBody} data */
  function renderRising(data) {
    const list = $('rising');
    list.textContent = '';
    const length = spanText(data.spanSeconds);
    $('rising-label').textContent = `${length} to ${hourMinute.format(new Date(data.windowEnd))} vs the ${
      data.baseline?.spansWithData ?? 0
    } before`;
    for (const h of data.hashtags) {
      const li = document.createElement('li');
      li.className = 'riser';
      li.dataset.hashtag = h.hashtag;
      li.innerHTML =
        '<span class="rank num"></span><span class="who"><span class="tag"></span><span class="vs num"></span></span><span class="score num"></span>';
      child(li, '.rank').textContent = String(h.rank);
      child(li, '.tag').textContent = h.hashtag;
      child(li, '.vs').textContent =
        `${number.format(h.count)} vs ${decimal.format(h.baseline ?? 0)} expected`;
      child(li, '.score').textContent = `+${decimal.format(h.score ?? 0)}σ`;
      li.title = `Score ${decimal.format(h.score ?? 0)}: (count − baseline) / √(baseline + 5). Sparkline: counts of the last ${(h.recent ?? []).length} windows.`;
      li.insertBefore(sparkline(h.recent ?? []), child(li, '.score'));
      list.appendChild(li);
    }
    const empty = $('rising-empty');
    empty.hidden = data.hashtags.length > 0;
    empty.textContent =
      data.baseline && data.baseline.spansWithData === 0
        ? `No baseline yet: trending compares each ${length} with the ones before it.`
        : `Nothing is rising: every hashtag is within its usual range over the last complete ${length}.`;
  }

  /** @param {string} message */
  function renderRisingUnavailable(message) {
    $('rising').textContent = '';
    $('rising-label').textContent = '';
    const empty = $('rising-empty');
    empty.hidden = false;
    empty.textContent = message;
  }

  /** @param {number} max @param {number} ticks */
  function niceStep(max, ticks) {
    const raw = max / ticks;
    const power = 10 ** Math.floor(Math.log10(raw));
    const unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  }

  /** Drawn in CSS pixels (the viewBox follows the chart's width), so labels keep their size on a phone. */
  function renderHistory() {
    const data = lastHistory;
    if (!data) return;
    const chart = $('history');
    while (chart.lastChild && chart.lastChild.nodeName !== 'defs') chart.removeChild(chart.lastChild);
    const W = Math.max(240, Math.round(chart.getBoundingClientRect().width) || 600);
    const H = 210;
    const left = 44;
    const right = 8;
    const topPad = 18;
    const bottom = 24;
    chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const windows = data.windows;
    const max = windows.reduce((m, w) => Math.max(m, w.total), 0);
    const step = max > 0 ? niceStep(max, 4) : 1;
    const ceiling = Math.max(step, Math.ceil(max / step) * step);
    const plotH = H - topPad - bottom;
    for (let v = 0; v <= ceiling; v += step) {
      const y = topPad + plotH - (v / ceiling) * plotH;
      chart.appendChild(svg('line', { class: 'gridline', x1: left, x2: W - right, y1: y, y2: y }));
      const label = svg('text', { class: 'axis', x: left - 8, y: y + 4, 'text-anchor': 'end' });
      label.textContent = number.format(v);
      chart.appendChild(label);
    }
    const slot = (W - left - right) / Math.max(1, windows.length);
    // A time label needs about 40 px: fewer of them on a narrow chart.
    const labelEvery = Math.max(1, Math.ceil(40 / slot), Math.ceil(windows.length / 6));
    windows.forEach((w, i) => {
      const h = ceiling ? (w.total / ceiling) * plotH : 0;
      const x = left + i * slot + slot * 0.14;
      const current = i === windows.length - 1;
      const col = svg('rect', {
        class: `col${current ? ' current' : ''}`,
        x,
        y: topPad + plotH - h,
        width: slot * 0.72,
        height: Math.max(h, 1),
        rx: 3,
      });
      const title = svg('title', {});
      title.textContent = `${hourMinute.format(new Date(w.windowStart))}: ${number.format(w.total)}${current ? ' (in progress)' : ''}`;
      col.appendChild(title);
      chart.appendChild(col);
      if (w.total > 0 && slot >= 30) {
        const val = svg('text', { class: 'val num', x: x + slot * 0.36, y: topPad + plotH - h - 5 });
        val.textContent = number.format(w.total);
        chart.appendChild(val);
      }
      if ((windows.length - 1 - i) % labelEvery === 0) {
        const tick = svg('text', { class: 'axis', x: x + slot * 0.36, y: H - 6, 'text-anchor': 'middle' });
        tick.textContent = current ? 'now' : hourMinute.format(new Date(w.windowStart));
        chart.appendChild(tick);
      }
    });
    chart.setAttribute(
      'aria-label',
      `Hashtags counted per ${data.windowSeconds} s window, last ${windows.length} windows`,
    );
    $('history-label').textContent = `last ${windows.length} × ${data.windowSeconds} s`;
  }

  /** @param {Position} p */
  const project = (p) => ({ x: (p.longitude + 180) * 5, y: (90 - p.latitude) * 5 });

  /** @param {IssBody} data */
  function renderIss(data) {
    lastIss = data.latest;
    const trail = $('trail');
    while (trail.firstChild) trail.removeChild(trail.firstChild);
    const track = data.track;
    for (let i = 1; i < track.length; i++) {
      const a = /** @type {Position} */ (track[i - 1]);
      const b = /** @type {Position} */ (track[i]);
      // Crossing the antimeridian: no line across the whole map.
      if (Math.abs(b.longitude - a.longitude) > 180) continue;
      const pa = project(a);
      const pb = project(b);
      trail.appendChild(
        svg('line', {
          class: 'trail',
          x1: pa.x,
          y1: pa.y,
          x2: pb.x,
          y2: pb.y,
          'stroke-opacity': (0.12 + 0.88 * (i / track.length)).toFixed(2),
        }),
      );
    }
    const marker = $('iss');
    if (!data.latest) {
      marker.setAttribute('visibility', 'hidden');
      $('iss-facts').innerHTML =
        "<span>No position yet: the ISS poller has not reported within the track's lifetime.</span>";
      $('iss-label').textContent = '';
      return;
    }
    const p = project(data.latest);
    marker.setAttribute('visibility', 'visible');
    marker.setAttribute('transform', `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})`);
    const tag = $('iss-tag');
    const nearRightEdge = p.x > 1650;
    tag.setAttribute('x', nearRightEdge ? '-30' : '30');
    tag.setAttribute('text-anchor', nearRightEdge ? 'end' : 'start');
    tag.setAttribute('y', p.y < 160 ? '56' : '-22');
    const lat = data.latest.latitude;
    const lon = data.latest.longitude;
    const facts = $('iss-facts');
    facts.innerHTML = '';
    for (const [label, value] of [
      ['Latitude', `${Math.abs(lat).toFixed(2)}° ${lat >= 0 ? 'N' : 'S'}`],
      ['Longitude', `${Math.abs(lon).toFixed(2)}° ${lon >= 0 ? 'E' : 'W'}`],
      ['Source', data.latest.source === 'sgp4' ? 'orbit model (SGP4)' : data.latest.source],
      ['Track', `${track.length} positions`],
    ]) {
      const item = document.createElement('span');
      const b = document.createElement('b');
      b.className = 'num';
      b.textContent = value ?? '';
      item.appendChild(b);
      item.appendChild(document.createTextNode(label ?? ''));
      facts.appendChild(item);
    }
    tickIssAge();
  }

  function tickIssAge() {
    if (!lastIss) return;
    const age = Math.max(0, Math.round((Date.now() - Date.parse(lastIss.timestamp)) / 1000));
    $('iss-label').textContent = `seen ${age < 120 ? `${age} s` : `${Math.round(age / 60)} min`} ago`;
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      await poll();
    } finally {
      timer = window.setTimeout(refresh, refreshSeconds * 1000);
    }
  }

  async function poll() {
    const requested = `${view}|${span}`;
    const results = await Promise.allSettled([
      getJson(`top-hashtags?view=${view}&span=${span}&limit=${LIMIT}`),
      getJson(`top-hashtags?view=trending&span=${span}&limit=${LIMIT}`),
      getJson(`top-hashtags/history?windows=${HISTORY_WINDOWS}`),
      getJson('iss/position'),
    ]);
    const [top, rising, history, iss] = results;
    const current = requested === `${view}|${span}`;
    if (current && top.status === 'fulfilled') renderTop(top.value);
    if (current && rising.status === 'fulfilled') renderRising(rising.value);
    // A span the retention cannot give a baseline is a 400 that says why: show it, it is not an outage.
    if (current && rising.status === 'rejected' && /** @type {HttpError} */ (rising.reason).status === 400) {
      const reason = /** @type {HttpError} */ (rising.reason);
      renderRisingUnavailable(
        reason.problem
          ? `Not available over ${spanText(SPAN_SECONDS[span] ?? 60)}: ${reason.problem.replace(/^with view=trending /, 'trending ')}.`
          : reason.message,
      );
    }
    if (history.status === 'fulfilled') {
      lastHistory = history.value;
      renderHistory();
    }
    if (iss.status === 'fulfilled') renderIss(iss.value);
    const failed = results.filter(
      (r) => r.status === 'rejected' && !(r === rising && /** @type {HttpError} */ (r.reason).status === 400),
    );
    const first = failed[0];
    if (first && first.status === 'rejected') {
      const reason = /** @type {HttpError} */ (first.reason);
      setStatus('error', `${reason?.status === 503 ? 'Store unreachable' : 'API unreachable'} · retrying`);
      $('status').title = String(reason?.message || reason);
    } else {
      setStatus('live', `Live · ${clock.format(new Date())}`);
      $('status').title = `Refreshes every ${refreshSeconds} s`;
    }
  }

  /** Makes the buttons of `group` a single choice; `choose` gets the pressed button's value. */
  /** @param {string} group @param {string} attribute @param {string} initial @param {(value: string) => void} choose */
  function segmented(group, attribute, initial, choose) {
    const buttons = document.querySelectorAll(`${group} button`);
    for (const button of buttons) {
      if (!(button instanceof HTMLButtonElement)) continue;
      button.setAttribute('aria-pressed', String(button.dataset[attribute] === initial));
      button.addEventListener('click', () => {
        const value = button.dataset[attribute] ?? initial;
        for (const b of buttons) b.setAttribute('aria-pressed', String(b === button));
        choose(value);
        void refresh();
      });
    }
  }

  segmented('#view-choice', 'view', view, (value) => {
    view = value;
  });
  segmented('#span-choice', 'span', span, (value) => {
    span = value;
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
  window.addEventListener('resize', renderHistory);
  setInterval(tickIssAge, 1000);
  void refresh();
})();
