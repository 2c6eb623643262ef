/**
 * The dashboard's browser script, inlined into the page. Plain ES2020 with no dependencies; it
 * talks only to the API beside the page (relative URLs, so it also works under a path prefix).
 * Polls every few seconds with `cache: 'no-cache'`: the browser revalidates with If-None-Match
 * and an unchanged ranking costs a 304.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  // ?refresh=N (seconds, 1..60) changes the polling period; ?view=tumbling starts on the tumbling view.
  var refreshSeconds = Math.min(60, Math.max(1, Number(params.get('refresh')) || 5));
  var LIMIT = 10;
  var HISTORY_WINDOWS = 15;
  var ROW = 50;
  var view = params.get('view') === 'tumbling' ? 'tumbling' : 'sliding';

  var $ = function (id) { return document.getElementById(id); };
  var number = new Intl.NumberFormat();
  var clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  var hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  var SVG = 'http://www.w3.org/2000/svg';
  var rows = new Map();
  var lastIss = null;
  var timer = 0;

  function svg(name, attrs) {
    var el = document.createElementNS(SVG, name);
    for (var key in attrs) el.setAttribute(key, String(attrs[key]));
    return el;
  }

  function getJson(path) {
    return fetch(path, { cache: 'no-cache', headers: { accept: 'application/json' } }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) {
          var error = new Error((body && body.detail) || 'HTTP ' + response.status);
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function setStatus(state, text) {
    var el = $('status');
    el.dataset.state = state;
    $('status-text').textContent = text;
  }

  function seconds(ms) { return Math.round(ms / 1000); }

  function renderTop(data) {
    var start = new Date(data.windowStart);
    var end = new Date(data.windowEnd);
    var length = seconds(end - start);
    $('window-label').textContent = (data.view === 'sliding' ? 'Last ' + length + ' s · ' : 'Window ') +
      clock.format(start) + ' – ' + clock.format(end);
    var badge = $('window-badge');
    badge.textContent = data.complete ? 'closed' : 'open';
    badge.className = 'badge ' + (data.complete ? 'closed' : 'open');
    badge.title = data.complete
      ? 'The watermark has passed the end of this window: its counts are final.'
      : 'Records for this window are still arriving: counts can grow.';

    $('kpi-count').textContent = number.format(data.totals.count);
    $('kpi-count-sub').textContent = data.view === 'sliding' ? 'in the last ' + length + ' s' : 'in this ' + length + ' s window';
    $('kpi-distinct').textContent = number.format(data.totals.hashtags);
    var top = data.hashtags[0];
    $('kpi-distinct-sub').textContent = top ? 'leader ' + top.hashtag : 'none yet';
    $('kpi-accepted').textContent = number.format(data.stats.accepted);
    $('kpi-accepted-sub').textContent = data.stats.duplicate
      ? number.format(data.stats.duplicate) + ' redelivered, counted once'
      : 'no redeliveries';
    $('kpi-late').textContent = number.format(data.stats.late) + ' · ' + number.format(data.stats.rejected);
    $('kpi-late-sub').textContent = data.watermark ? 'watermark ' + clock.format(new Date(data.watermark)) : 'no watermark yet';

    renderBars(data.hashtags, data.totals.count);
    $('bars-note').textContent = data.hashtags.length
      ? 'Percentages are shares of all ' + number.format(data.totals.count) + ' hashtags counted ' +
        (data.view === 'sliding' ? 'in the last ' + length + ' s' : 'in this window') +
        ', across ' + number.format(data.totals.hashtags) + ' distinct hashtags.'
      : '';
  }

  function makeRow(hashtag) {
    var li = document.createElement('li');
    li.className = 'bar';
    li.dataset.hashtag = hashtag;
    li.innerHTML = '<span class="rank num"></span><span class="track"><span class="fill"></span><span class="tag"></span></span><span class="count num"><span class="value"></span><span class="share"></span></span>';
    li.querySelector('.tag').textContent = hashtag;
    return li;
  }

  function renderBars(list, total) {
    var ol = $('bars');
    var max = list.reduce(function (m, h) { return Math.max(m, h.count); }, 0);
    var seen = new Set();
    list.forEach(function (h, i) {
      var key = h.hashtag.toLowerCase();
      var li = rows.get(key);
      if (!li) {
        li = makeRow(h.hashtag);
        li.style.transform = 'translateY(' + i * ROW + 'px)';
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
      li.setAttribute('aria-label', '#' + h.rank + ' ' + h.hashtag + ': ' + number.format(h.count));
      li.classList.toggle('top', i === 0);
      li.querySelector('.rank').textContent = String(h.rank);
      li.querySelector('.tag').textContent = h.hashtag;
      li.querySelector('.fill').style.width = (max ? Math.max(2, (h.count / max) * 100) : 0) + '%';
      li.querySelector('.value').textContent = number.format(h.count);
      li.querySelector('.share').textContent = total ? Math.round((h.count / total) * 1000) / 10 + '%' : '';
      li.style.transform = 'translateY(' + i * ROW + 'px)';
      li.style.opacity = '1';
    });
    rows.forEach(function (li, key) {
      if (!seen.has(key)) { li.remove(); rows.delete(key); }
    });
    ol.style.height = list.length * ROW + 'px';
    $('bars-empty').hidden = list.length > 0;
  }

  function niceStep(max, ticks) {
    var raw = max / ticks;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  }

  function renderHistory(data) {
    var chart = $('history');
    while (chart.lastChild && chart.lastChild.nodeName !== 'defs') chart.removeChild(chart.lastChild);
    var W = 600, H = 210, left = 44, right = 8, topPad = 18, bottom = 24;
    var windows = data.windows;
    var max = windows.reduce(function (m, w) { return Math.max(m, w.total); }, 0);
    var step = max > 0 ? niceStep(max, 4) : 1;
    var ceiling = Math.max(step, Math.ceil(max / step) * step);
    var plotH = H - topPad - bottom;
    for (var v = 0; v <= ceiling; v += step) {
      var y = topPad + plotH - (v / ceiling) * plotH;
      chart.appendChild(svg('line', { class: 'gridline', x1: left, x2: W - right, y1: y, y2: y }));
      var label = svg('text', { class: 'axis', x: left - 8, y: y + 4, 'text-anchor': 'end' });
      label.textContent = number.format(v);
      chart.appendChild(label);
    }
    var slot = (W - left - right) / Math.max(1, windows.length);
    var labelEvery = Math.ceil(windows.length / 6);
    windows.forEach(function (w, i) {
      var h = ceiling ? (w.total / ceiling) * plotH : 0;
      var x = left + i * slot + slot * 0.14;
      var current = i === windows.length - 1;
      var col = svg('rect', { class: 'col' + (current ? ' current' : ''), x: x, y: topPad + plotH - h, width: slot * 0.72, height: Math.max(h, 1), rx: 3 });
      var title = svg('title', {});
      title.textContent = hourMinute.format(new Date(w.windowStart)) + ': ' + number.format(w.total) + (current ? ' (in progress)' : '');
      col.appendChild(title);
      chart.appendChild(col);
      if (w.total > 0 && slot >= 30) {
        var val = svg('text', { class: 'val num', x: x + slot * 0.36, y: topPad + plotH - h - 5 });
        val.textContent = number.format(w.total);
        chart.appendChild(val);
      }
      if ((windows.length - 1 - i) % labelEvery === 0) {
        var tick = svg('text', { class: 'axis', x: x + slot * 0.36, y: H - 6, 'text-anchor': 'middle' });
        tick.textContent = current ? 'now' : hourMinute.format(new Date(w.windowStart));
        chart.appendChild(tick);
      }
    });
    chart.setAttribute('aria-label', 'Hashtags counted per ' + data.windowSeconds + ' s window, last ' + windows.length + ' windows');
    $('history-label').textContent = 'last ' + windows.length + ' × ' + data.windowSeconds + ' s';
  }

  function project(p) { return { x: (p.longitude + 180) * 5, y: (90 - p.latitude) * 5 }; }

  function renderIss(data) {
    lastIss = data.latest;
    var trail = $('trail');
    while (trail.firstChild) trail.removeChild(trail.firstChild);
    var track = data.track;
    for (var i = 1; i < track.length; i++) {
      var a = track[i - 1], b = track[i];
      // Crossing the antimeridian: no line across the whole map.
      if (Math.abs(b.longitude - a.longitude) > 180) continue;
      var pa = project(a), pb = project(b);
      trail.appendChild(svg('line', { class: 'trail', x1: pa.x, y1: pa.y, x2: pb.x, y2: pb.y, 'stroke-opacity': (0.12 + 0.88 * (i / track.length)).toFixed(2) }));
    }
    var marker = $('iss');
    if (!data.latest) {
      marker.setAttribute('visibility', 'hidden');
      $('iss-facts').innerHTML = '<span>No position yet: the ISS poller has not reported within the track\'s lifetime.</span>';
      $('iss-label').textContent = '';
      return;
    }
    var p = project(data.latest);
    marker.setAttribute('visibility', 'visible');
    marker.setAttribute('transform', 'translate(' + p.x.toFixed(1) + ' ' + p.y.toFixed(1) + ')');
    var tag = $('iss-tag');
    var nearRightEdge = p.x > 1650;
    tag.setAttribute('x', nearRightEdge ? '-30' : '30');
    tag.setAttribute('text-anchor', nearRightEdge ? 'end' : 'start');
    tag.setAttribute('y', p.y < 160 ? '56' : '-22');
    var lat = data.latest.latitude, lon = data.latest.longitude;
    var facts = $('iss-facts');
    facts.innerHTML = '';
    [
      ['Latitude', Math.abs(lat).toFixed(2) + '° ' + (lat >= 0 ? 'N' : 'S')],
      ['Longitude', Math.abs(lon).toFixed(2) + '° ' + (lon >= 0 ? 'E' : 'W')],
      ['Source', data.latest.source === 'sgp4' ? 'orbit model (SGP4)' : data.latest.source],
      ['Track', track.length + ' positions'],
    ].forEach(function (fact) {
      var span = document.createElement('span');
      var b = document.createElement('b');
      b.className = 'num';
      b.textContent = fact[1];
      span.appendChild(b);
      span.appendChild(document.createTextNode(fact[0]));
      facts.appendChild(span);
    });
    tickIssAge();
  }

  function tickIssAge() {
    if (!lastIss) return;
    var age = Math.max(0, Math.round((Date.now() - Date.parse(lastIss.timestamp)) / 1000));
    $('iss-label').textContent = 'seen ' + (age < 120 ? age + ' s' : Math.round(age / 60) + ' min') + ' ago';
  }

  function refresh() {
    clearTimeout(timer);
    var requested = view;
    return Promise.allSettled([
      getJson('top-hashtags?view=' + requested + '&limit=' + LIMIT),
      getJson('top-hashtags/history?windows=' + HISTORY_WINDOWS),
      getJson('iss/position'),
    ]).then(function (results) {
      if (requested === view && results[0].status === 'fulfilled') renderTop(results[0].value);
      if (results[1].status === 'fulfilled') renderHistory(results[1].value);
      if (results[2].status === 'fulfilled') renderIss(results[2].value);
      var failed = results.filter(function (r) { return r.status === 'rejected'; });
      if (failed.length) {
        var reason = failed[0].reason;
        setStatus('error', (reason && reason.status === 503 ? 'Store unreachable' : 'API unreachable') + ' · retrying');
        $('status').title = String((reason && reason.message) || reason);
      } else {
        setStatus('live', 'Live · ' + clock.format(new Date()));
        $('status').title = 'Refreshes every ' + refreshSeconds + ' s';
      }
    }).finally(function () {
      timer = setTimeout(refresh, refreshSeconds * 1000);
    });
  }

  document.querySelectorAll('.seg button').forEach(function (button) {
    button.setAttribute('aria-pressed', String(button.dataset.view === view));
    button.addEventListener('click', function () {
      if (button.dataset.view === view) return;
      view = button.dataset.view;
      document.querySelectorAll('.seg button').forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
      refresh();
    });
  });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
  setInterval(tickIssAge, 1000);
  refresh();
})();
`;
