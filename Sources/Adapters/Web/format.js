// Numbers and times for people: thousands separators, rates as percentages, durations, sizes,
// relative times with the exact time on hover (kept fresh by one timer).

const integer = new Intl.NumberFormat(undefined, {maximumFractionDigits: 0});
const decimal = new Intl.NumberFormat(undefined, {maximumFractionDigits: 1});
const percent = new Intl.NumberFormat(undefined, {style: 'percent', maximumFractionDigits: 1});
const exact = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
const clock = new Intl.DateTimeFormat(undefined, {hour: '2-digit', minute: '2-digit'});
const relative = new Intl.RelativeTimeFormat(undefined, {numeric: 'auto', style: 'short'});

export const dash = '—';

/** 12345 → "12,345" (in the browser's locale). */
export function int(value) {
  return value === null || value === undefined ? dash : integer.format(value);
}

/** 2.345 → "2.3". */
export function dec(value) {
  return value === null || value === undefined ? dash : decimal.format(value);
}

/** 0.963 → "96.3%"; null → "—". */
export function pct(rate) {
  return rate === null || rate === undefined ? dash : percent.format(rate);
}

/** Milliseconds as "850 ms", "1.8 s", "2.5 min". */
export function ms(value) {
  if (value === null || value === undefined) return dash;
  if (value < 1000) return `${integer.format(value)} ms`;
  if (value < 60_000) return `${decimal.format(value / 1000)} s`;
  if (value < 3_600_000) return `${decimal.format(value / 60_000)} min`;
  return `${decimal.format(value / 3_600_000)} h`;
}

/** Bytes as "1.2 GB". */
export function bytes(value) {
  if (value === null || value === undefined) return dash;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let amount = value;
  let unit = 0;
  while (amount >= 1000 && unit < units.length - 1) {
    amount /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? integer.format(amount) : decimal.format(amount)} ${units[unit]}`;
}

/** "14:05" for a minute of the chart. */
export function hourMinute(iso) {
  return clock.format(new Date(iso));
}

/** The exact time, for titles. */
export function exactTime(iso) {
  return exact.format(new Date(iso));
}

/** "5 min ago" / "in 3 h" from an RFC 3339 time. */
export function ago(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const size = Math.abs(seconds);
  if (size < 5) return 'just now';
  if (size < 60) return relative.format(seconds, 'second');
  if (size < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (size < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** A <time> that says "2 min ago", shows the exact time on hover, and stays current. */
export function when(iso) {
  const element = document.createElement('time');
  if (!iso) {
    element.textContent = dash;
    return element;
  }
  element.dateTime = iso;
  element.title = exactTime(iso);
  element.dataset.relative = '';
  element.textContent = ago(iso);
  return element;
}

/** Refreshes every relative time on the page (called by one timer). */
export function refreshRelativeTimes(root = document) {
  const now = Date.now();
  for (const element of root.querySelectorAll('time[data-relative]')) {
    element.textContent = ago(element.dateTime, now);
  }
}
