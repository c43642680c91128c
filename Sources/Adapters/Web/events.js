// The live event feed: the latest events newest first, filtered by type, pausable. The store keeps
// every event once (by position) whatever the view shows; the panel renders it.

import {h, fill, card} from './dom.js';
import {int, when} from './format.js';

const LIMIT = 500;

export class EventStore {
  constructor() {
    this.items = [];            // newest first
    this.positions = new Set();
    this.listeners = new Set();
  }

  /** The API's answer (newest first); events newer than it that the feed already brought stay. */
  load(events, position) {
    const newer = this.items.filter((event) => event.position > position);
    this.items = [...newer, ...events].slice(0, LIMIT);
    this.positions = new Set(this.items.map((event) => event.position));
    for (const listener of this.listeners) listener({reset: true});
  }

  add(event) {
    if (this.positions.has(event.position)) return;
    this.positions.add(event.position);
    this.items.unshift(event);
    if (this.items.length > LIMIT) this.positions.delete(this.items.pop().position);
    for (const listener of this.listeners) listener({event});
  }

  listen(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const TYPE_FILTERS = [
  ['', 'All types'],
  ['button.', 'Taps (button.)'],
  ['delivery.', 'Deliveries (delivery.)'],
  ['status.', 'Statuses (status.)'],
  ['message.', 'Messages (message.)'],
  ['template.', 'Templates (template.)'],
  ['webhook.', 'Webhooks (webhook.)'],
];

function errorText(error) {
  if (!error) return '';
  return `${error.code ?? ''} ${error.title ?? error.message ?? ''}`.trim();
}

/** A line about the event's data, for people. */
export function summary(event) {
  const d = event.data ?? {};
  switch (event.type) {
    case 'button.clicked':
      return `tapped “${d.text ?? d.payload ?? ''}”${d.authorized === false ? ' (not authorized)' : ''}`;
    case 'message.received':
      return `${d.type ?? 'message'}${d.text ? `: ${String(d.text).slice(0, 80)}` : ''}`;
    case 'status.updated': {
      const error = (d.errors ?? [])[0];
      return `${d.status}${error ? ` · ${error.code} ${error.title ?? ''}` : ''} · ${d.wamid ?? ''}`;
    }
    case 'delivery.started':
      return `${d.delivery_id ?? ''} · pack ${d.pack ?? ''}`;
    case 'delivery.attempt_started':
      return `${d.delivery_id ?? ''} · step ${(d.step ?? 0) + 1}, attempt ${d.attempt ?? ''}`;
    case 'delivery.step_sent':
      return `${d.delivery_id ?? ''} · step ${(d.step ?? 0) + 1} sent`;
    case 'delivery.step_failed':
      return `${d.delivery_id ?? ''} · step ${(d.step ?? 0) + 1} failed: ${errorText(d.error)}${d.retryable ? ' (will retry)' : ''}`;
    case 'delivery.completed':
      return `${d.delivery_id ?? ''} completed${d.unconfirmed_steps ? ` (${d.unconfirmed_steps} unconfirmed)` : ''}`;
    case 'delivery.failed':
      return `${d.delivery_id ?? ''} failed: ${d.reason ?? ''}${d.error ? ` (${errorText(d.error)})` : ''}`;
    case 'delivery.skipped':
      return `skipped: ${d.reason ?? ''}${d.payload ? ` · ${d.payload}` : ''}`;
    case 'template.sent':
    case 'template.send_requested':
    case 'template.failed':
      return `${d.template ?? ''} → ${d.recipient ?? ''}${d.error ? ` · ${errorText(d.error)}` : ''}`;
    case 'webhook.received':
      return `${int(d.body_bytes)} bytes · ${d.parse ?? ''}`;
    case 'webhook.error':
      return `${d.code ?? ''} ${d.title ?? d.message ?? ''}`;
    default:
      return event.skipped ? `skipped: ${event.skipped}` : '';
  }
}

function typeClass(type) {
  return ['type', type.split('.')[0], type.endsWith('failed') ? 'failed' : null, type === 'webhook.error' ? 'webhook-error' : null];
}

function row(event, fresh) {
  return h('li', {class: fresh ? 'fresh' : null, 'data-position': event.position, 'data-type': event.type},
    h('span', {class: 'pos', title: 'log position'}, `#${int(event.position)}`),
    h('span', {}, h('span', {class: typeClass(event.type)}, event.type),
      event.contact ? [' · ', h('a', {href: `#/conversations/${encodeURIComponent(event.contact)}`}, event.contact)] : null),
    when(event.time),
    h('span', {class: 'summary'}, summary(event)));
}

/** The live events card; `unmount()` stops listening. */
export function eventsPanel(store) {
  let filter = '';
  let paused = false;
  let waiting = 0;
  const list = h('ol', {class: 'events', id: 'events-list', 'aria-live': 'off', reversed: true});
  const pause = h('button', {type: 'button', class: 'quiet', id: 'events-pause', 'aria-pressed': 'false'}, 'Pause');
  const select = h('select', {id: 'events-type', 'aria-label': 'Event type'},
    TYPE_FILTERS.map(([value, label]) => h('option', {value}, label)));
  const count = h('span', {class: 'sub', id: 'events-count'});

  const visible = () => store.items.filter((event) => !filter || event.type.startsWith(filter)).slice(0, 200);
  const render = () => {
    const events = visible();
    fill(list, events.length ? events.map((event) => row(event, false)) : h('li', {class: 'empty'}, 'No events yet.'));
    count.textContent = `${int(events.length)} shown`;
    waiting = 0;
    pause.textContent = paused ? 'Resume' : 'Pause';
  };
  select.addEventListener('change', () => {
    filter = select.value;
    render();
  });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    render();
  });
  const stop = store.listen((change) => {
    if (paused) {
      if (change.event) waiting += 1;
      pause.textContent = `Resume (${int(waiting)} new)`;
      return;
    }
    if (change.reset || !change.event) return render();
    if (filter && !change.event.type.startsWith(filter)) return;
    list.querySelector('.empty')?.remove();
    list.prepend(row(change.event, true));
    while (list.children.length > 200) list.lastElementChild.remove();
    count.textContent = `${int(list.children.length)} shown`;
  });
  render();
  const element = card('Live events', {id: 'events', sub: count},
    h('div', {class: 'toolbar'}, h('label', {}, 'Type', select), pause), list);
  return {element, unmount: stop};
}
