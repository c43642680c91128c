// The alert strip, on every view: the service's own alerts firing now (GET /api/webhook/alerts),
// each with its severity, summary, since when, and its runbook. Hidden while none fires.

import {h, fill} from './dom.js';
import {when} from './format.js';

export class AlertStrip {
  constructor(element, api) {
    this.element = element;
    this.api = api;
  }

  async refresh() {
    let answer;
    try {
      answer = await this.api.get('/api/webhook/alerts');
    } catch {
      return; // the health strip already says when the API cannot be reached
    }
    const firing = answer.firing ?? [];
    this.element.hidden = firing.length === 0;
    fill(this.element, firing.map((alert) => h('div', {class: `alert ${alert.severity}`, 'data-fingerprint': alert.fingerprint},
      h('span', {class: `pill ${alert.severity === 'critical' ? 'failing' : 'degraded'}`}, alert.severity),
      h('strong', {}, alert.name),
      h('span', {}, alert.summary),
      h('span', {class: 'muted'}, 'since ', when(alert.starts_at)),
      /^https?:\/\//.test(alert.runbook_url ?? '') ? h('a', {href: alert.runbook_url, rel: 'noopener noreferrer', target: '_blank'}, 'runbook') : null)));
  }
}
