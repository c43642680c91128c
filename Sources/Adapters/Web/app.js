// The dashboard's shell: sign-in, the token for this tab, the views by the URL's fragment
// (#/, #/deliveries/ID, #/conversations/CONTACT), the health strip and the live feed that keeps
// everything current.

import {Api, tryToken} from './api.js';
import {Feed} from './feed.js';
import {refreshRelativeTimes} from './format.js';
import {HealthStrip} from './health.js';
import {AlertStrip} from './alerts.js';
import {EventStore} from './events.js';
import {overviewView} from './overview.js';
import {deliveriesView, deliveryView} from './deliveries.js';
import {conversationsView, conversationView} from './conversations.js';

const TOKEN_KEY = 'clickunlock.dashboard-token';

const config = {
  open: document.querySelector('meta[name="clickunlock-open"]')?.content === 'true',
  zone: document.querySelector('meta[name="clickunlock-zone"]')?.content || 'UTC',
};

let session = null;

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (a private window's settings): the token lives as long as this page.
  }
}

/** `#token=...` (the demo's one-click link): kept for the tab, then removed from the address bar. */
function takeTokenFromFragment() {
  const hash = window.location.hash;
  if (!hash.startsWith('#token=')) return null;
  const token = decodeURIComponent(hash.slice('#token='.length));
  window.history.replaceState(null, '', window.location.pathname + window.location.search + '#/');
  return token || null;
}

function showSignIn(message) {
  document.getElementById('app').hidden = true;
  document.getElementById('signin').hidden = false;
  const error = document.getElementById('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
  const input = document.getElementById('signin-token');
  input.value = '';
  input.focus();
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById('signin-token');
  const button = document.getElementById('signin-submit');
  const token = input.value.trim();
  const error = document.getElementById('signin-error');
  if (!token) {
    error.textContent = 'Enter the dashboard token.';
    error.hidden = false;
    return;
  }
  button.disabled = true;
  const result = await tryToken(token);
  button.disabled = false;
  const messages = {
    refused: 'That token was refused. Check CLICKUNLOCK_DASHBOARD_TOKEN of the running service.',
    slowed: `Too many wrong tokens from this address: try again in ${result.retryAfter} s.`,
    offline: 'The service does not answer. Is it running?',
    error: result.error?.message,
  };
  if (result.outcome === 'ok') {
    storeToken(token);
    start(token);
  } else {
    error.textContent = messages[result.outcome];
    error.hidden = false;
    input.select();
  }
}

function start(token) {
  document.getElementById('signin').hidden = true;
  document.getElementById('app').hidden = false;
  document.getElementById('signout').hidden = config.open && !token;
  session?.close();
  session = new Session(token);
  session.begin();
}

function signOut(message) {
  session?.close();
  session = null;
  storeToken(null);
  if (config.open) {
    start(null);
  } else {
    showSignIn(message);
  }
}

/** One signed-in page: the API, the feed, the health strip, the current view. */
class Session {
  constructor(token) {
    this.token = token;
    this.closed = false;
    this.api = new Api(token, () => this.unauthorized());
    this.events = new EventStore();
    this.health = new HealthStrip(document.getElementById('health'), this.api);
    this.alerts = new AlertStrip(document.getElementById('alerts'), this.api);
    this.view = null;
    this.pending = null;
    this.running = false;
    this.lastRefresh = 0;
    this.feed = new Feed({
      token,
      onEvent: (event) => this.onEvent(event),
      onStats: () => this.touch(),
      onReset: (frame) => this.reload(frame),
      onState: (state, detail) => this.health.feedState(state, detail),
      stillSignedIn: async () => this.stillSignedIn(),
    });
    this.onHash = () => this.route();
    this.ticker = null;
  }

  async begin() {
    window.addEventListener('hashchange', this.onHash);
    this.ticker = setInterval(() => {
      refreshRelativeTimes();
      this.touch();
    }, 15_000);
    this.route();
    this.health.refresh();
    this.alerts.refresh();
    const position = await this.loadEvents();
    if (!this.closed) this.feed.start(position);
  }

  close() {
    this.closed = true;
    this.feed.stop();
    clearInterval(this.ticker);
    clearTimeout(this.pending);
    window.removeEventListener('hashchange', this.onHash);
    this.view?.unmount?.();
    this.view = null;
  }

  unauthorized() {
    if (this.closed) return;
    signOut('The dashboard token was refused: sign in again.');
  }

  async stillSignedIn() {
    if (!this.token) return true;
    try {
      await this.api.get('/api/webhook/health');
    } catch (error) {
      return error.status !== 401;
    }
    return true;
  }

  /** The latest events through the API; the feed resumes after the position they reflect. */
  async loadEvents() {
    try {
      const answer = await this.api.get('/api/webhook/events/recent', {limit: 100});
      this.events.load(answer.events, answer.position);
      return answer.position;
    } catch {
      return null;
    }
  }

  /** After a `reset`: reload through the API and skip what that answer already holds. */
  async reload() {
    const position = await this.loadEvents();
    if (position !== null) this.feed.skipTo(position);
    this.touch();
  }

  onEvent(event) {
    this.events.add(event);
    this.touch();
  }

  /** Refreshes the health strip and the view soon: 250 ms after a change, at most once a second. */
  touch() {
    if (this.pending || this.closed) return;
    const wait = Math.max(250, 1000 - (Date.now() - this.lastRefresh));
    this.pending = setTimeout(() => this.refresh(), wait);
  }

  async refresh() {
    this.pending = null;
    if (this.running) {
      this.touch();
      return;
    }
    this.running = true;
    this.lastRefresh = Date.now();
    try {
      await Promise.all([this.health.refresh(), this.alerts.refresh(), this.view?.refresh?.()]);
    } finally {
      this.running = false;
    }
  }

  route() {
    if (window.location.hash.startsWith('#token=')) return;  // onFragment signs in again
    const parts = (window.location.hash.replace(/^#\/?/, '') || '').split('/').map(decodeURIComponent);
    const main = document.getElementById('main');
    this.view?.unmount?.();
    main.replaceChildren();
    const context = {api: this.api, events: this.events, zone: config.zone, touch: () => this.touch()};
    let section = 'overview';
    if (parts[0] === 'deliveries' && parts[1]) {
      section = 'deliveries';
      this.view = deliveryView(context, main, parts[1]);
    } else if (parts[0] === 'deliveries') {
      section = 'deliveries';
      this.view = deliveriesView(context, main);
    } else if (parts[0] === 'conversations' && parts[1]) {
      section = 'conversations';
      this.view = conversationView(context, main, parts[1]);
    } else if (parts[0] === 'conversations') {
      section = 'conversations';
      this.view = conversationsView(context, main);
    } else {
      this.view = overviewView(context, main);
    }
    for (const link of document.querySelectorAll('[data-nav]')) {
      if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    this.view?.refresh?.();
  }
}

/** The one-click link followed while this page is open (the same document: no reload). */
function onFragment() {
  const token = takeTokenFromFragment();
  if (!token) return;
  storeToken(token);
  start(token);
}

function boot() {
  window.addEventListener('hashchange', onFragment);
  document.getElementById('signin-form').addEventListener('submit', signIn);
  document.getElementById('signout').addEventListener('click', () => signOut());
  const fromFragment = takeTokenFromFragment();
  if (fromFragment) storeToken(fromFragment);
  const token = fromFragment || storedToken();
  if (token || config.open) start(token);
  else showSignIn();
}

boot();
