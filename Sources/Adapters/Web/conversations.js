// Conversations: a searchable list of contacts, and a contact's page with the chat (in and out,
// with each message's status) and that contact's deliveries.

import {h, fill, card} from './dom.js';
import {int, when} from './format.js';
import {deliveryRows, deliveryTable} from './deliveries.js';

function errorBox(error) {
  return h('p', {class: 'error-box', role: 'status'}, error.message);
}

export function conversationsView(context, main) {
  let query = '';
  let pages = 1;
  let timer = null;
  const search = h('input', {type: 'search', id: 'conversation-search', placeholder: 'name or number',
    'aria-label': 'Search conversations', autocomplete: 'off'});
  const body = h('div', {id: 'conversations-list'}, h('p', {class: 'empty'}, 'Loading…'));
  const more = h('button', {type: 'button', class: 'quiet more', hidden: true}, 'More');
  fill(main,
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Conversations'), h('label', {}, 'Search', search)),
    card('Latest activity first', {id: 'conversations', wide: true}, body, more));
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      pages = 1;
      refresh();
    }, 300);
  });
  more.addEventListener('click', () => {
    pages += 1;
    refresh();
  });
  let last = '';

  async function refresh() {
    try {
      let cursor = null;
      const conversations = [];
      for (let page = 0; page < pages; page += 1) {
        const answer = await context.api.get('/api/webhook/conversations', {q: query, limit: 50, cursor});
        conversations.push(...answer.conversations);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      const text = JSON.stringify(conversations);
      if (text !== last) {
        last = text;
        fill(body, conversations.length ? h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'contact'), h('th', {}, 'last message'),
            h('th', {class: 'num hide-narrow'}, 'in'), h('th', {class: 'num hide-narrow'}, 'out'),
            h('th', {class: 'hide-narrow'}, 'last delivery'), h('th', {}, 'last activity'))),
          h('tbody', {}, conversations.map((c) => h('tr', {class: 'clickable', 'data-contact': c.contact},
            h('td', {}, h('a', {href: `#/conversations/${encodeURIComponent(c.contact)}`}, c.name ?? c.contact),
              c.name ? h('div', {class: 'muted mono'}, c.contact) : null),
            h('td', {}, c.last_message
              ? `${c.last_message.direction === 'in' ? '← ' : '→ '}${c.last_message.preview ?? c.last_message.type ?? ''}`
              : '—'),
            h('td', {class: 'num hide-narrow'}, int(c.inbound_count)),
            h('td', {class: 'num hide-narrow'}, int(c.outbound_count)),
            h('td', {class: 'hide-narrow'}, c.last_delivery
              ? h('a', {href: `#/deliveries/${encodeURIComponent(c.last_delivery.id)}`}, c.last_delivery.state) : '—'),
            h('td', {}, when(c.last_activity)))))))
          : h('p', {class: 'empty'}, query ? `No conversation matches “${query}”.` : 'No conversation yet.'));
      }
      more.hidden = !cursor;
    } catch (error) {
      fill(body, errorBox(error));
    }
  }
  return {refresh};
}

const TICKS = {sent: '✓', delivered: '✓✓', read: '✓✓', failed: '✕'};

function bubble(message) {
  return h('div', {class: ['bubble', message.direction], 'data-wamid': message.wamid},
    h('div', {}, message.preview ?? `(${message.type ?? 'message'})`),
    message.error ? h('div', {class: 'status-failed'}, `${message.error.code}: ${message.error.meaning}`) : null,
    h('div', {class: 'meta'}, message.type ? h('span', {}, message.type) : null, when(message.time),
      message.status ? h('span', {class: `status-${message.status}`, title: message.status,
        'aria-label': message.status}, TICKS[message.status] ?? message.status) : null));
}

export function conversationView(context, main, contact) {
  let pages = 1;
  const header = h('span', {class: 'mono'}, contact);
  const facts = h('div', {id: 'contact-facts'}, h('p', {class: 'empty'}, 'Loading…'));
  const chat = h('div', {class: 'chat', id: 'chat', role: 'log', 'aria-label': 'Messages, oldest first'});
  const older = h('button', {type: 'button', class: 'quiet more', hidden: true}, 'Older messages');
  const deliveries = h('div', {id: 'contact-deliveries'});
  fill(main,
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Conversation with ', header),
      h('a', {href: '#/conversations'}, '← All conversations')),
    h('div', {class: 'grid'},
      card('Contact', {id: 'contact'}, facts),
      card('Deliveries', {id: 'contact-deliveries-card'}, deliveries),
      card('Chat', {id: 'chat-card', wide: true, sub: 'in ← and → out, with statuses'}, older, chat)));
  older.addEventListener('click', () => {
    pages += 1;
    refresh();
  });
  let last = '';

  async function refresh() {
    try {
      let cursor = null;
      const messages = [];
      let answer = null;
      for (let page = 0; page < pages; page += 1) {
        answer = await context.api.get(`/api/webhook/conversations/${encodeURIComponent(contact)}`, {limit: 100, cursor});
        messages.push(...answer.messages);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      const list = await context.api.get('/api/webhook/deliveries', {contact, limit: 50});
      const text = JSON.stringify([answer.conversation, answer.deliveries, messages, list.deliveries]);
      older.hidden = !cursor;
      if (text === last) return;
      last = text;
      const c = answer.conversation;
      header.textContent = c.name ? `${c.name} (${c.contact})` : c.contact;
      fill(facts, h('dl', {class: 'facts'},
        h('dt', {}, 'name'), h('dd', {}, c.name ?? '—'),
        h('dt', {}, 'number'), h('dd', {class: 'mono'}, c.contact),
        h('dt', {}, 'first seen'), h('dd', {}, when(c.first_seen)),
        h('dt', {}, 'last activity'), h('dd', {}, when(c.last_activity)),
        h('dt', {}, 'messages'), h('dd', {}, `${int(c.inbound_count)} in, ${int(c.outbound_count)} out`),
        h('dt', {}, '24-hour window'), h('dd', {}, c.window_open_until
          ? [new Date(c.window_open_until) > new Date() ? 'open, closes ' : 'closed ', when(c.window_open_until)] : 'closed')));
      fill(chat, messages.length ? messages.slice().reverse().map(bubble) : h('p', {class: 'empty'}, 'No message.'));
      fill(deliveries, list.deliveries.length ? deliveryTable(deliveryRows(list.deliveries))
        : h('p', {class: 'empty'}, 'No delivery to this contact.'));
    } catch (error) {
      if (error.status === 404) {
        fill(facts, h('p', {class: 'empty'}, `No conversation with ${contact}.`));
        return;
      }
      fill(facts, errorBox(error));
    }
  }
  return {refresh};
}
