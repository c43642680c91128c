// Deliveries: the list (by state, newest first, page by page) and one delivery's page with every
// step and attempt, its statuses and errors (with what to do about them).

import {h, fill, card} from './dom.js';
import {int, ms, when} from './format.js';
import {adviceFor} from './meta-errors.js';

const STATES = ['', 'started', 'sending', 'retrying', 'completed', 'failed'];

function pill(state) {
  return h('span', {class: `pill ${state ?? ''}`}, state ?? '—');
}

function errorBox(error) {
  return h('p', {class: 'error-box', role: 'status'}, error.message);
}

export function deliveryRows(deliveries) {
  return deliveries.map((delivery) => h('tr', {class: 'clickable', 'data-id': delivery.id},
    h('td', {}, h('a', {href: `#/deliveries/${encodeURIComponent(delivery.id)}`, class: 'mono'}, delivery.id)),
    h('td', {}, h('a', {href: `#/conversations/${encodeURIComponent(delivery.contact)}`}, delivery.contact)),
    h('td', {class: 'hide-narrow'}, delivery.pack),
    h('td', {}, pill(delivery.state)),
    h('td', {class: 'num'}, `${int(delivery.steps_done)}/${int(delivery.steps_total)}`),
    h('td', {class: 'num hide-narrow'}, int(delivery.attempts)),
    h('td', {}, when(delivery.started_at)),
    h('td', {class: 'hide-narrow'}, delivery.last_error ? `${delivery.last_error.code}: ${delivery.last_error.meaning}` : '')));
}

export function deliveryTable(rows) {
  return h('div', {class: 'table-wrap'}, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'delivery'), h('th', {}, 'contact'), h('th', {class: 'hide-narrow'}, 'pack'),
      h('th', {}, 'state'), h('th', {class: 'num'}, 'steps'), h('th', {class: 'num hide-narrow'}, 'attempts'),
      h('th', {}, 'started'), h('th', {class: 'hide-narrow'}, 'last error'))),
    h('tbody', {}, rows)));
}

export function deliveriesView(context, main) {
  let stateFilter = '';
  let pages = 1;
  const select = h('select', {id: 'delivery-state', 'aria-label': 'State'},
    STATES.map((state) => h('option', {value: state}, state || 'every state')));
  const body = h('div', {id: 'deliveries-list'}, h('p', {class: 'empty'}, 'Loading…'));
  const more = h('button', {type: 'button', class: 'quiet more', hidden: true}, 'More');
  fill(main,
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Deliveries'), h('label', {}, 'State', select)),
    card('Newest first', {id: 'deliveries', wide: true}, body, more));
  select.addEventListener('change', () => {
    stateFilter = select.value;
    pages = 1;
    refresh();
  });
  more.addEventListener('click', () => {
    pages += 1;
    refresh();
  });
  let last = '';

  async function refresh() {
    try {
      let cursor = null;
      const deliveries = [];
      for (let page = 0; page < pages; page += 1) {
        const answer = await context.api.get('/api/webhook/deliveries', {state: stateFilter, limit: 50, cursor});
        deliveries.push(...answer.deliveries);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      const text = JSON.stringify(deliveries);
      if (text !== last) {
        last = text;
        fill(body, deliveries.length ? deliveryTable(deliveryRows(deliveries)) : h('p', {class: 'empty'}, 'No delivery.'));
      }
      more.hidden = !cursor;
    } catch (error) {
      fill(body, errorBox(error));
    }
  }
  return {refresh};
}

function stepRow(step) {
  const errors = step.errors.map((error) => h('li', {},
    h('strong', {}, String(error.code)), ` ${error.meaning}`, error.retryable ? ' (retried)' : ' (permanent)', ' · ',
    when(error.time), error.message ? h('div', {class: 'muted'}, error.message) : null,
    h('div', {}, h('em', {}, adviceFor(error.code)))));
  return h('tr', {'data-step': step.step},
    h('td', {class: 'num'}, int(step.step + 1)),
    h('td', {}, step.kind ?? '—'),
    h('td', {}, step.status ? h('span', {class: `pill ${step.status}`}, step.status) : '—'),
    h('td', {class: 'num'}, int(step.attempts)),
    h('td', {}, when(step.sent_at)),
    h('td', {}, when(step.delivered_at)),
    h('td', {}, when(step.read_at)),
    h('td', {class: 'mono hide-narrow'}, step.wamid ?? '—'),
    h('td', {}, errors.length ? h('ul', {}, errors) : ''));
}

export function deliveryView(context, main, id) {
  const body = h('div', {id: 'delivery-detail'}, h('p', {class: 'empty'}, 'Loading…'));
  fill(main,
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Delivery ', h('span', {class: 'mono'}, id)),
      h('a', {href: '#/deliveries'}, '← All deliveries')),
    body);
  let last = '';

  async function refresh() {
    try {
      const answer = await context.api.get(`/api/webhook/deliveries/${encodeURIComponent(id)}`);
      const text = JSON.stringify(answer.delivery);
      if (text === last) return;
      last = text;
      const d = answer.delivery;
      body.dataset.position = answer.position;
      fill(body, h('div', {class: 'grid'},
        card('Summary', {id: 'delivery-summary'}, h('dl', {class: 'facts'},
          h('dt', {}, 'state'), h('dd', {}, pill(d.state)),
          h('dt', {}, 'outcome'), h('dd', {}, d.outcome),
          h('dt', {}, 'contact'), h('dd', {}, h('a', {href: `#/conversations/${encodeURIComponent(d.contact)}`}, d.contact)),
          h('dt', {}, 'pack'), h('dd', {}, d.pack),
          h('dt', {}, 'steps'), h('dd', {}, `${int(d.steps_done)} of ${int(d.steps_total)} accepted`),
          h('dt', {}, 'attempts'), h('dd', {}, int(d.attempts)),
          h('dt', {}, 'tap → content'), h('dd', {}, ms(d.latency_ms)),
          h('dt', {}, 'started'), h('dd', {}, when(d.started_at)),
          h('dt', {}, 'ended'), h('dd', {}, when(d.completed_at)),
          h('dt', {}, 'tap'), h('dd', {class: 'mono'}, d.click_wamid ?? '—'),
          d.last_error ? [h('dt', {}, 'last error'),
            h('dd', {}, `${d.last_error.code}: ${d.last_error.meaning}`, h('div', {}, h('em', {}, adviceFor(d.last_error.code))))]
            : null)),
        card('Steps and attempts', {id: 'delivery-steps', wide: true}, h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, h('th', {class: 'num'}, 'step'), h('th', {}, 'kind'), h('th', {}, 'status'),
            h('th', {class: 'num'}, 'attempts'), h('th', {}, 'sent'), h('th', {}, 'delivered'), h('th', {}, 'read'),
            h('th', {class: 'hide-narrow'}, 'wamid'), h('th', {}, 'errors'))),
          h('tbody', {}, d.steps.map(stepRow)))))));
    } catch (error) {
      fill(body, errorBox(error));
    }
  }
  return {refresh};
}
