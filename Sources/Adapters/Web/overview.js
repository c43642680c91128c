// The overview: the day's figures (taps, the template funnel, deliveries, failures by Meta code),
// the last hour per minute, and the live events. A day picker and the time zone (UTC or the
// service's reporting zone) choose the day; every figure carries the position it was read at.

import {h, fill, card} from './dom.js';
import {int, pct, ms, when} from './format.js';
import {minuteChart} from './chart.js';
import {eventsPanel} from './events.js';
import {adviceFor} from './meta-errors.js';

const STEP_LABELS = {
  sent: 'Sent', accepted: 'Accepted by Meta', delivered: 'Delivered', read: 'Read', tapped: 'Tapped',
  content_delivered: 'Content delivered',
};

function figure(id, label, value, text, tone) {
  return h('div', {class: ['figure', tone], id, 'data-value': value ?? ''},
    h('div', {class: 'value'}, text ?? int(value)), h('div', {class: 'label'}, label));
}

function failure(message) {
  return h('p', {class: 'error-box', role: 'status'}, message);
}

export function overviewView(context, main) {
  const state = {day: null, zone: context.zone};
  const seen = {};
  const day = h('input', {type: 'date', id: 'day', 'aria-label': 'Day'});
  const today = h('button', {type: 'button', class: 'quiet', id: 'today'}, 'Today');
  const zones = [...new Set([context.zone, 'UTC'])];
  const zone = h('select', {id: 'zone', 'aria-label': 'Time zone of the day'},
    zones.map((name) => h('option', {value: name}, name === context.zone && name !== 'UTC' ? `${name} (reporting)` : name)));
  const dayLabel = h('span', {class: 'muted', id: 'day-label'});

  const figures = h('div', {class: 'figures', id: 'day-figures'});
  const funnel = h('div', {id: 'funnel-body'}, h('p', {class: 'empty'}, 'Loading…'));
  const chart = h('div', {class: 'chart', id: 'chart-body'}, h('p', {class: 'empty'}, 'Loading…'));
  const deliveries = h('div', {id: 'deliveries-body'}, h('p', {class: 'empty'}, 'Loading…'));
  const events = eventsPanel(context.events);

  const funnelCard = card('Template funnel', {id: 'funnel', sub: 'sent → accepted → delivered → read → tapped → content'}, funnel);
  const deliveriesCard = card('Deliveries', {id: 'deliveries-summary'}, deliveries);
  fill(main,
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Overview ', dayLabel),
      h('label', {}, 'Day', day), today, h('label', {}, 'Time zone', zone)),
    h('div', {class: 'grid'},
      card('The day', {id: 'day-card', wide: true}, figures),
      funnelCard,
      card('Last hour, per minute', {id: 'chart', sub: 'taps and deliveries'}, chart,
        h('div', {class: 'legend'}, h('span', {}, h('span', {class: 'key clicks'}), 'taps'),
          h('span', {}, h('span', {class: 'key delivered'}), 'deliveries completed'),
          h('span', {}, h('span', {class: 'key failed'}), 'deliveries failed'))),
      deliveriesCard,
      events.element));

  let series = null;
  const drawChart = () => {
    if (series) fill(chart, minuteChart(series, chart.clientWidth || 720));
  };
  let resizeTimer = null;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawChart, 150);
  };
  window.addEventListener('resize', onResize);

  const params = () => ({day: state.day, tz: state.zone});
  day.addEventListener('change', () => {
    state.day = day.value || null;
    refresh();
  });
  today.addEventListener('click', () => {
    state.day = null;
    refresh();
  });
  zone.addEventListener('change', () => {
    state.zone = zone.value;
    refresh();
  });

  /** Renders `answer` with `render` unless it is the same as last time (no flicker, focus kept). */
  const changed = (key, answer) => {
    const text = JSON.stringify(answer) + JSON.stringify(params());
    if (seen[key] === text) return false;
    seen[key] = text;
    return true;
  };

  async function refresh() {
    const [templates, metrics, realtime, failed] = await Promise.allSettled([
      context.api.get('/api/webhook/templates', params()),
      context.api.get('/api/webhook/metrics', params()),
      context.api.get('/api/webhook/stats/realtime'),
      context.api.get('/api/webhook/deliveries', {state: 'failed', limit: 5, ...params()}),
    ]);
    if (metrics.status === 'fulfilled') {
      const answer = metrics.value;
      dayLabel.textContent = `${answer.from} (${answer.zone})`;
      if (!day.value || state.day === null) day.value = answer.from;
      if (changed('metrics', answer)) {
        renderFigures(figures, answer);
        deliveriesCard.dataset.position = answer.position;
      }
    }
    if (templates.status === 'fulfilled' && changed('templates', templates.value)) {
      renderFunnel(funnel, templates.value);
      funnelCard.dataset.position = templates.value.position;
    } else if (templates.status === 'rejected') {
      fill(funnel, failure(templates.reason.message));
    }
    if (realtime.status === 'fulfilled' && changed('realtime', realtime.value.series)) {
      series = realtime.value.series;
      drawChart();
    }
    if (metrics.status === 'fulfilled' && (changed('deliveries', metrics.value)
      || (failed.status === 'fulfilled' && changed('failed', failed.value)))) {
      renderDeliveries(deliveries, metrics.value, failed.status === 'fulfilled' ? failed.value : null);
    } else if (metrics.status === 'rejected') {
      fill(deliveries, failure(metrics.reason.message));
    }
  }

  return {
    refresh,
    unmount() {
      events.unmount();
      window.removeEventListener('resize', onResize);
    },
  };
}

function renderFigures(element, answer) {
  const t = answer.totals;
  fill(element,
    figure('fig-clicks', 'taps', t.button_clicks),
    figure('fig-clickers', 'people who tapped', t.unique_clickers),
    figure('fig-templates', 'templates sent', t.templates.sent),
    figure('fig-messages-sent', 'content messages sent', t.messages.sent),
    figure('fig-messages-delivered', 'content messages delivered', t.messages.delivered),
    figure('fig-messages-read', 'content messages read', t.messages.read),
    figure('fig-messages-failed', 'content messages failed', t.messages.failed, null, t.messages.failed ? 'bad' : null));
}

function renderFunnel(element, answer) {
  if (!answer.templates.length) {
    fill(element, h('p', {class: 'empty'}, `No template was sent on ${answer.from} (${answer.zone}).`));
    return;
  }
  fill(element, answer.templates.map((template) => {
    const first = template.steps[0]?.count || 0;
    return h('div', {class: 'template', 'data-template': template.template},
      h('h3', {class: 'template-name'}, template.template, h('span', {class: 'muted'}, ` · ${template.day}`)),
      h('ol', {class: 'funnel'}, template.steps.map((step) => {
        const bar = h('span');
        bar.style.width = `${first ? Math.min(100, (step.count / first) * 100) : 0}%`;
        return h('li', {'data-step': step.step},
          h('span', {}, STEP_LABELS[step.step] ?? step.step),
          h('span', {class: 'bar', 'aria-hidden': 'true'}, bar),
          h('span', {class: 'count', 'data-value': step.count}, int(step.count)),
          h('span', {class: 'rate', 'data-value': step.rate ?? '', title: 'of the step before'}, pct(step.rate)));
      })));
  }));
}

function renderDeliveries(element, answer, failed) {
  const d = answer.totals.deliveries;
  const latency = answer.totals.latency_ms;
  const errors = answer.totals.errors;
  fill(element,
    h('div', {class: 'figures'},
      figure('fig-in-flight', 'in flight', d.in_flight),
      figure('fig-completed', 'completed', d.completed, null, 'ok'),
      figure('fig-failed', 'failed', d.failed, null, d.failed ? 'bad' : null),
      figure('fig-success', 'success rate', d.success_rate, pct(d.success_rate)),
      figure('fig-p50', 'p50 tap → content', latency.p50, ms(latency.p50)),
      figure('fig-p95', 'p95 tap → content', latency.p95, ms(latency.p95))),
    h('h3', {class: 'template-name'}, 'Meta errors by code'),
    errors.length
      ? h('div', {class: 'table-wrap'}, h('table', {id: 'errors-table'},
        h('thead', {}, h('tr', {}, h('th', {}, 'code'), h('th', {class: 'num'}, 'count'),
          h('th', {}, 'meaning, and what to do'))),
        h('tbody', {}, errors.map((error) => h('tr', {'data-code': error.code},
          h('td', {class: 'mono'}, String(error.code)), h('td', {class: 'num', 'data-value': error.count}, int(error.count)),
          h('td', {}, h('div', {}, error.meaning), h('div', {class: 'advice'}, adviceFor(error.code))))))))
      : h('p', {class: 'empty'}, 'No Meta error on this day.'),
    failed && failed.deliveries.length
      ? [h('h3', {class: 'template-name'}, 'Latest failed deliveries'),
        h('ul', {id: 'failed-list'}, failed.deliveries.map((delivery) => h('li', {},
          h('a', {href: `#/deliveries/${encodeURIComponent(delivery.id)}`}, delivery.id), ' · ',
          h('a', {href: `#/conversations/${encodeURIComponent(delivery.contact)}`}, delivery.contact), ' · ',
          delivery.last_error ? `${delivery.last_error.code}: ${delivery.last_error.meaning}` : 'failed', ' · ',
          when(delivery.updated_at))))]
      : null,
    h('p', {class: 'more'}, h('a', {href: '#/deliveries'}, 'All deliveries →')));
}
