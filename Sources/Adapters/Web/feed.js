// The live feed over a WebSocket on the page's own origin (/api/webhook/ws), signed in with the
// `bearer.<token>` subprotocol (a browser cannot set Authorization on a WebSocket; the token never
// goes into the URL). It resumes after any disconnect from the last position it delivered
// (`?from=`), drops anything at or below that position (no duplicate), and reconnects by itself
// with a short backoff. See the feed protocol in README.md.

const MAX_BACKOFF_MS = 3000;

export class Feed {
  /**
   * @param {object} options
   * @param {string|null} options.token the dashboard token (null: the API is open)
   * @param {(event: object) => void} options.onEvent one event, in position order, once
   * @param {(frame: object) => void} [options.onStats] the last minute's figures
   * @param {(frame: object) => void} [options.onReset] the feed cannot resume: reload through the API
   * @param {(state: string, detail: string) => void} [options.onState] connecting, live, reconnecting, offline
   * @param {() => Promise<boolean>} [options.stillSignedIn] asked after a refused connection
   */
  constructor(options) {
    this.options = options;
    this.position = null;
    this.socket = null;
    this.stopped = true;
    this.failures = 0;
    this.timer = null;
    this.watchdog = null;
    this.heartbeatSeconds = 15;
    this.lastFrameAt = 0;
  }

  /** Starts (or restarts) after `position`: every later event will be delivered once. */
  start(position) {
    this.stop();
    this.stopped = false;
    this.position = position;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      socket.close(1000, 'page closed the feed');
    }
  }

  /** After a `reset` and a reload through the API: events at or below `position` are ignored. */
  skipTo(position) {
    if (this.position === null || position > this.position) this.position = position;
  }

  url() {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = new URL(`${scheme}//${window.location.host}/api/webhook/ws`);
    if (this.position !== null) url.searchParams.set('from', String(this.position));
    return url.toString();
  }

  state(name, detail = '') {
    this.options.onState?.(name, detail);
  }

  connect() {
    if (this.stopped) return;
    this.state(this.failures === 0 ? 'connecting' : 'reconnecting', 'connecting…');
    let socket;
    try {
      const token = this.options.token;
      socket = token ? new WebSocket(this.url(), [`bearer.${token}`]) : new WebSocket(this.url());
    } catch (error) {
      // A token with characters a subprotocol cannot carry: the feed cannot be signed in from a browser.
      this.state('offline', 'this token cannot be used for the live feed from a browser');
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.lastFrameAt = Date.now();
    };
    socket.onmessage = (message) => {
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.watchdog);
      this.closed(close, opened);
    };
    socket.onerror = () => {};
    clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkAlive(socket), 5000);
  }

  receive(frame) {
    switch (frame.type) {
      case 'hello':
        this.failures = 0;
        if (frame.heartbeat_seconds > 0) this.heartbeatSeconds = frame.heartbeat_seconds;
        this.state('live', `position ${frame.position}`);
        break;
      case 'event': {
        if (this.position !== null && frame.position <= this.position) return;
        this.position = frame.position;
        this.options.onEvent(frame.event);
        break;
      }
      case 'stats':
        this.options.onStats?.(frame);
        break;
      case 'reset':
        this.options.onReset?.(frame);
        break;
      default:
        break;  // heartbeat, and frames of later versions
    }
  }

  async closed(close, opened) {
    if (this.stopped) return;
    if (close.code === 4008) {
      // Slow consumer: resume at once from what was delivered.
      this.state('reconnecting', 'the page fell behind; resuming');
      this.connect();
      return;
    }
    this.failures += 1;
    if (!opened && this.options.stillSignedIn && !(await this.options.stillSignedIn())) return;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures - 1, 4)) * (0.8 + Math.random() * 0.4);
    const why = close.code === 1001 ? 'the service is restarting' : 'the connection dropped';
    this.state('reconnecting', `${why}; retrying`);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** A connection that has said nothing for two heartbeats and a bit is dead: start again. */
  checkAlive(socket) {
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastFrameAt > (this.heartbeatSeconds * 2 + 5) * 1000) socket.close(4000, 'no heartbeat');
  }
}
