/*
 * The managers' dashboard. The page is public; every data call carries the API key, taken
 * from ?key= in the address or typed into the key field (kept for this browser tab only).
 * ?from=, ?to= and ?department= preset the filters.
 */
/* global echarts */
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const charts = {
    trend: echarts.init($('trend-chart')),
    category: echarts.init($('category-chart')),
    ranking: echarts.init($('ranking-chart')),
  };
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

  /** Today in Beijing, whatever the browser's zone. */
  function beijingToday() {
    return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  }

  const today = beijingToday();
  $('from').value = params.get('from') || `${today.slice(0, 7)}-01`;
  $('to').value = params.get('to') || today;
  $('key').value = params.get('key') || sessionStorage.getItem('hotline-key') || '';

  const percent = (r) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(2)}%`);
  const parts = (r) => `${r.numerator} / ${r.denominator}`;
  const minutes = (m) => (m === null ? '—' : m >= 120 ? `${(m / 60).toFixed(1)}小时` : `${m}分钟`);
  const cell = (text, num) => {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '—' : String(text);
    if (num) td.className = 'num';
    return td;
  };
  const fillTable = (id, rows) => {
    const body = $(id).querySelector('tbody');
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement('tr');
        tr.append(...cells.map(([text, num]) => cell(text, num)));
        return tr;
      }),
    );
  };

  function query(extra, byDepartment) {
    const q = new URLSearchParams({ from: $('from').value, to: $('to').value, ...extra });
    const department = departmentsLoaded ? $('department').value : params.get('department');
    if (byDepartment && department) q.set('department', department);
    return q.toString();
  }

  // A busy service answers 503 (or 429 past a key's rate) with Retry-After: the page waits as told,
  // at most 5 s, and asks again, up to 3 times, before it shows the failure.
  const ATTEMPTS = 4;

  async function call(path, extra = {}, byDepartment = true) {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`/v1/stats/${path}?${query(extra, byDepartment)}`, { headers: { authorization: `Bearer ${$('key').value}` } });
      if ((res.status === 503 || res.status === 429) && attempt < ATTEMPTS) {
        const seconds = Math.min(Number(res.headers.get('retry-after')) || 1, 5);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.blob();
      if (!res.ok) throw new Error(body.error ? body.error.message : `HTTP ${res.status}`);
      return body;
    }
  }

  let departmentsLoaded = false;

  function showOverview(o) {
    $('received').textContent = o.volumes.received;
    $('received-parts').textContent = `派单 ${o.volumes.dispatched} · 直接答复 ${o.volumes.answered} · 并单 ${o.volumes.merged}`;
    const f = o.figures;
    for (const [id, r] of [
      ['rate-automatic', f.automaticRouting],
      ['rate-accept', f.acceptOnTime],
      ['rate-reply', f.replyOnTime],
      ['rate-resolution', f.resolution],
      ['rate-satisfaction', f.satisfaction],
    ]) {
      $(id).textContent = percent(r);
      $(`${id}-parts`).textContent = `分子/分母 ${parts(r)}`;
    }
    const causes = f.triageCauses;
    $('rate-automatic-parts').textContent +=
      ` · 转人工: 把握不足 ${causes.unsure} · 字数不足 ${causes.tooFewWords} · 无标注类别 ${causes.unlabelledCategory}`;
    $('score').textContent = f.satisfactionScore === null ? '—' : f.satisfactionScore.toFixed(2);
    $('score-parts').textContent = `未接通 ${f.unreachable}（不计入） · 退单 ${f.returns} · 重办 ${f.reopens}`;
    charts.category.setOption(
      {
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
        legend: { type: 'scroll', bottom: 0 },
        series: [{ name: '诉求类别', type: 'pie', radius: ['35%', '65%'], data: o.byCategory.map((c) => ({ name: c.name, value: c.received })) }],
      },
      true,
    );
  }

  function showTrend(t) {
    const rate = (r) => (r.rate === null ? null : Math.round(r.rate * 10000) / 100);
    charts.trend.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { data: ['受理量', '签收及时率', '按时办结率', '解决率', '满意率'] },
        xAxis: { type: 'category', data: t.points.map((p) => p.start) },
        yAxis: [
          { type: 'value', name: '件' },
          { type: 'value', name: '%', min: 0, max: 100 },
        ],
        series: [
          { name: '受理量', type: 'bar', data: t.points.map((p) => p.volumes.received) },
          { name: '签收及时率', type: 'line', yAxisIndex: 1, data: t.points.map((p) => rate(p.acceptOnTime)) },
          { name: '按时办结率', type: 'line', yAxisIndex: 1, data: t.points.map((p) => rate(p.replyOnTime)) },
          { name: '解决率', type: 'line', yAxisIndex: 1, data: t.points.map((p) => rate(p.resolution)) },
          { name: '满意率', type: 'line', yAxisIndex: 1, data: t.points.map((p) => rate(p.satisfaction)) },
        ],
      },
      true,
    );
  }

  function showDepartments(d) {
    if (!departmentsLoaded) {
      const select = $('department');
      const chosen = params.get('department') || '';
      for (const c of [...d.departments].sort((a, b) => a.department.localeCompare(b.department))) {
        const option = new Option(c.name, c.department);
        select.append(option);
      }
      select.value = chosen;
      departmentsLoaded = true;
    }
    const ranked = d.departments.filter((c) => c.rank !== null);
    charts.ranking.setOption(
      {
        tooltip: { trigger: 'axis' },
        grid: { left: 150 },
        xAxis: { type: 'value', min: 0, max: 100, name: '综合得分' },
        yAxis: { type: 'category', inverse: true, data: ranked.map((c) => c.name) },
        series: [{ name: '综合得分', type: 'bar', data: ranked.map((c) => c.composite), label: { show: true, position: 'right' } }],
      },
      true,
    );
    fillTable(
      'ranking-table',
      d.departments.map((c) => [
        [c.rank, true],
        [c.name],
        [c.composite, true],
        [percent(c.figures.acceptOnTime), true],
        [percent(c.figures.replyOnTime), true],
        [percent(c.figures.resolution), true],
        [percent(c.figures.satisfaction), true],
        [c.figures.returns, true],
        [c.figures.reopens, true],
        [minutes(c.figures.timeToAccept.medianMinutes), true],
        [minutes(c.figures.timeToReply.medianMinutes), true],
      ]),
    );
  }

  function showOverdue(o) {
    fillTable('overdue-table', [
      ...o.overdue.items.map((i) => [
        ['超期'],
        [i.number],
        [i.title],
        [i.departmentName || i.department],
        [i.deadline === 'accept' ? '未按时签收' : '未按时办结'],
        [i.due.slice(0, 16).replace('T', ' ')],
        [i.overdueHours, true],
      ]),
      ...o.supervision.items.map((s) => [
        [s.resolvedAt ? '督办(已办结)' : '督办'],
        [s.number],
        [s.title],
        [s.departmentName || s.department],
        [s.reasonName],
        [s.createdAt.slice(0, 16).replace('T', ' ')],
        [null],
      ]),
    ]);
  }

  function showHotspots(h) {
    fillTable(
      'hotspot-table',
      [...h.places, ...h.topics].map((s) => [
        [s.kind === 'place' ? '地点' : '事项'],
        [s.name],
        [s.current, true],
        [s.previous, true],
        [`+${s.increase}`, true],
        [s.examples.map((e) => `${e.title}（${e.count}件）`).join('；')],
      ]),
    );
  }

  async function load() {
    sessionStorage.setItem('hotline-key', $('key').value);
    document.body.dataset.state = 'loading';
    $('status').textContent = '加载中…';
    $('status').className = '';
    try {
      const days = (Date.parse($('to').value) - Date.parse($('from').value)) / 86400000 + 1;
      const granularity = days > 92 ? 'month' : days > 31 ? 'week' : 'day';
      const [overview, trend, departments, overdue, hotspots] = await Promise.all([
        call('overview'),
        call('trend', { granularity }),
        // The ranking is among all departments; the filter picks the card.
        call('departments', {}, false),
        call('overdue', { limit: '100' }),
        call('hotspots'),
      ]);
      showOverview(overview);
      showTrend(trend);
      showDepartments(departments);
      showOverdue(overdue);
      showHotspots(hotspots);
      $('status').textContent = `已更新 ${new Date().toLocaleTimeString('zh-CN', { hour12: false })}`;
      document.body.dataset.state = 'loaded';
    } catch (err) {
      $('status').textContent = `加载失败：${err.message}`;
      $('status').className = 'error';
      document.body.dataset.state = 'error';
    }
  }

  document.querySelectorAll('[data-csv]').forEach((a) =>
    a.addEventListener('click', async (event) => {
      event.preventDefault();
      try {
        const blob = await call(`${a.dataset.csv}.csv`);
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = `${a.dataset.csv}-${$('from').value}-${$('to').value}.csv`;
        link.click();
        URL.revokeObjectURL(link.href);
      } catch (err) {
        $('status').textContent = `导出失败：${err.message}`;
      }
    }),
  );
  $('apply').addEventListener('click', load);
  $('department').addEventListener('change', load);
  load();
})();
