// Clicks and deliveries per minute over the last hour, drawn as SVG: bars for taps, a line for
// completed deliveries, red dots for failed ones. Each minute has a tooltip (<title>).

import {svg} from './dom.js';
import {int, hourMinute} from './format.js';

const HEIGHT = 220;
const MARGIN = {left: 40, right: 10, top: 12, bottom: 26};

/** 0..max rounded up to 1, 2 or 5 × a power of ten. */
function niceMax(value) {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** The chart of `series` (the API's 60 minutes, oldest first), `width` CSS pixels wide (text stays its size). */
export function minuteChart(series, width = 720) {
  const WIDTH = Math.max(300, Math.round(width));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / Math.max(series.length, 1);
  const top = niceMax(Math.max(0, ...series.map((m) => Math.max(m.clicks, m.deliveries_completed + m.deliveries_failed))));
  const y = (value) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const x = (index) => MARGIN.left + index * step;

  const clicks = series.reduce((sum, m) => sum + m.clicks, 0);
  const completed = series.reduce((sum, m) => sum + m.deliveries_completed, 0);
  const failed = series.reduce((sum, m) => sum + m.deliveries_failed, 0);
  const label = `Last hour: ${int(clicks)} taps, ${int(completed)} deliveries completed, ${int(failed)} failed.`;

  const grid = [0, top / 2, top].map((value) => [
    svg('line', {class: 'grid-line', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value)}),
    svg('text', {class: 'axis-label', x: MARGIN.left - 6, y: y(value) + 4, 'text-anchor': 'end'}, int(value)),
  ]);
  const every = WIDTH < 520 ? 30 : 15;  // fewer time labels when narrow, so that they never overlap
  const ticks = series.map((minute, index) => (index % every === 0 || index === series.length - 1)
    ? svg('text', {class: 'axis-label', x: x(index) + step / 2, y: HEIGHT - 8,
      'text-anchor': index === 0 ? 'start' : index === series.length - 1 ? 'end' : 'middle'}, hourMinute(minute.minute))
    : null);
  const bars = series.map((minute, index) => {
    const height = Math.max(0, y(0) - y(minute.clicks));
    return svg('rect', {class: 'bar-clicks', x: x(index) + step * 0.15, width: step * 0.7, y: y(minute.clicks), height,
      'data-minute': minute.minute, 'data-clicks': minute.clicks},
    svg('title', {}, `${hourMinute(minute.minute)}: ${int(minute.clicks)} taps, `
      + `${int(minute.deliveries_completed)} delivered, ${int(minute.deliveries_failed)} failed`));
  });
  const points = series.map((minute, index) => `${(x(index) + step / 2).toFixed(1)},${y(minute.deliveries_completed).toFixed(1)}`);
  const dots = series.map((minute, index) => minute.deliveries_failed > 0
    ? svg('circle', {class: 'dot-failed', cx: x(index) + step / 2, cy: y(minute.deliveries_failed), r: 3.5},
      svg('title', {}, `${hourMinute(minute.minute)}: ${int(minute.deliveries_failed)} failed`))
    : null);

  return svg('svg', {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, id: 'minute-chart',
    'data-clicks': clicks, 'data-completed': completed, 'data-failed': failed},
  svg('title', {}, label), grid, ticks, bars,
  svg('polyline', {class: 'line-delivered', points: points.join(' ')}), dots);
}
