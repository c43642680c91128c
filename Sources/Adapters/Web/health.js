// The health strip, on every view: the service's status and reasons, the log's position, how far
// the projections are behind, disk space, rejected webhooks by reason, and the live feed's state.

import {h, fill} from './dom.js';
import {int, ms, bytes, when} from './format.js';

const REJECTED = {
  signature_missing: 'no signature',
  signature_mismatch: 'wrong signature',
  signature_malformed: 'malformed signature',
  too_large: 'too large',
  other: 'other',
};

export class HealthStrip {
  constructor(element, api) {
    this.element = element;
    this.api = api;
    this.answer = null;
    this.feed = {state: 'connecting', detail: ''};
    this.error = null;
    this.render();
  }

  async refresh() {
    try {
      this.answer = await this.api.get('/api/webhook/health');
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    this.render();
  }

  feedState(state, detail) {
    this.feed = {state, detail};
    const pill = this.element.querySelector('#feed-state');
    if (pill) {
      pill.className = `pill ${state}`;
      pill.textContent = state;
      pill.title = detail;
    } else {
      this.render();
    }
  }

  render() {
    const answer = this.answer;
    const feed = h('span', {class: 'item'}, h('span', {class: 'label'}, 'live feed'),
      h('span', {id: 'feed-state', class: `pill ${this.feed.state}`, title: this.feed.detail}, this.feed.state));
    if (!answer) {
      fill(this.element, h('span', {class: 'item'}, h('span', {class: 'label'}, 'status'),
        h('span', {class: 'pill'}, this.error ? 'unknown' : 'loading')), feed,
      this.error ? h('span', {class: 'muted'}, this.error.message) : null);
      return;
    }
    const rejected = answer.ingress?.rejected ?? {};
    const rejectedTotal = Object.values(rejected).reduce((sum, n) => sum + n, 0);
    const rejectedDetail = Object.entries(rejected).filter(([, n]) => n > 0)
      .map(([reason, n]) => `${REJECTED[reason] ?? reason}: ${int(n)}`).join(', ');
    const disk = answer.disk;
    const free = disk && disk.total_bytes > 0 ? disk.free_bytes / disk.total_bytes : null;
    const item = (label, value, attrs = {}) =>
      h('span', {class: 'item'}, h('span', {class: 'label'}, label), h('span', attrs, value));
    fill(this.element,
      item('status', answer.status, {class: `pill ${answer.status}`, id: 'health-status'}),
      item('log position', int(answer.log?.head_position), {id: 'health-log-position', 'data-value': answer.log?.head_position}),
      item('behind', `${int(answer.lag_events)} events · ${ms(answer.lag_ms)}`, {id: 'health-lag'}),
      item('disk free', disk ? `${bytes(disk.free_bytes)}${free === null ? '' : ` (${Math.round(free * 100)}%)`}` : '—',
        {id: 'health-disk'}),
      item('webhooks rejected', rejectedTotal ? `${int(rejectedTotal)} (${rejectedDetail})` : '0',
        {id: 'health-rejected', 'data-value': rejectedTotal}),
      item('last webhook', when(answer.ingress?.last_webhook_at)),
      feed,
      answer.reasons?.length ? h('ul', {class: 'reasons'}, answer.reasons.map((reason) => h('li', {}, reason))) : null,
      this.error ? h('span', {class: 'muted'}, `(${this.error.message})`) : null);
  }
}
