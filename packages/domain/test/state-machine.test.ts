import t from 'tap';
import {
  IllegalTransitionError,
  allowedEvents,
  applyEvent,
  canApply,
  eventTypes,
  initialStatus,
  isFinal,
  openStatuses,
  ticketStatuses,
  transitionTable,
  type EventType,
  type TicketStatus,
} from '../src/index';

/** Plays events from a new ticket and returns every status it went through. */
function play(events: EventType[], from: TicketStatus = initialStatus): TicketStatus[] {
  const path = [from];
  for (const event of events) path.push(applyEvent(path[path.length - 1] ?? from, event));
  return path;
}

t.test('happy path: received to closed', async (t) => {
  t.same(
    play([
      'classified',
      'dispatched',
      'deadline_warning',
      'accepted',
      'progressed',
      'extension_requested',
      'extension_decided',
      'noted',
      'replied',
      'callback_due',
      'callback_recorded',
      'closed',
    ]),
    [
      'received',
      'classified',
      'dispatched',
      'dispatched',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'replied',
      'callback_pending',
      'callback_pending',
      'closed',
    ],
  );
  t.ok(isFinal('closed'));
});

t.test('reopen cycle (重办): dispatched again, never accepted straight away', async (t) => {
  const path = play(['classified', 'dispatched', 'accepted', 'replied', 'callback_due', 'reopened']);
  t.equal(path.at(-1), 'reopened');
  t.throws(() => applyEvent('reopened', 'accepted'), IllegalTransitionError);
  t.same(play(['dispatched', 'accepted', 'replied', 'callback_due', 'closed'], 'reopened').at(-1), 'closed');
});

t.test('return (退单) to triage, then an agent dispatches by hand', async (t) => {
  t.same(play(['triaged', 'dispatched', 'returned', 'triaged', 'dispatched', 'accepted']), [
    'received',
    'triage',
    'dispatched',
    'returned',
    'triage',
    'dispatched',
    'accepted',
  ]);
  t.equal(applyEvent('returned', 'dispatched'), 'dispatched', 're-dispatch without triage');
});

t.test('intake endings: answered, transferred, merged from every intake state', async (t) => {
  for (const status of ['received', 'triage', 'classified'] as const) {
    t.equal(applyEvent(status, 'answered'), 'answered');
    t.equal(applyEvent(status, 'transferred'), 'transferred');
    t.equal(applyEvent(status, 'merged'), 'merged');
  }
  t.notOk(canApply('dispatched', 'answered'), 'a dispatched ticket is no longer answered by the agent');
});

t.test('final statuses take no event at all', async (t) => {
  for (const status of ['closed', 'answered', 'transferred', 'merged'] as const) {
    t.ok(isFinal(status));
    t.same(allowedEvents(status), []);
  }
  t.same(openStatuses, ticketStatuses.filter((s) => !['closed', 'answered', 'transferred', 'merged'].includes(s)));
});

t.test('the error names the status and the event', async (t) => {
  const error = t.throws(() => applyEvent('closed', 'noted'));
  t.ok(error instanceof IllegalTransitionError);
  if (error instanceof IllegalTransitionError) {
    t.equal(error.from, 'closed');
    t.equal(error.event, 'noted');
    t.equal(error.code, 'illegal_transition');
    t.match(error.message, /noted/);
    t.match(error.message, /closed/);
  }
});

t.test('every (status, event) pair: exactly the table is accepted', async (t) => {
  let accepted = 0;
  for (const status of ticketStatuses) {
    for (const event of eventTypes) {
      const { from, to } = transitionTable[event];
      if (from.includes(status)) {
        accepted++;
        t.ok(canApply(status, event));
        t.equal(applyEvent(status, event), to === 'stays' ? status : to, `${status} + ${event}`);
      } else {
        t.notOk(canApply(status, event));
        t.throws(() => applyEvent(status, event), IllegalTransitionError, `${status} + ${event} refused`);
      }
    }
  }
  // A change to the table should be a conscious one: update this count with it.
  t.equal(accepted, 48);
});

t.test('the table covers every event and only real statuses', async (t) => {
  t.same(Object.keys(transitionTable).sort(), [...eventTypes].sort());
  for (const { from, to } of Object.values(transitionTable)) {
    for (const status of from) t.ok(ticketStatuses.includes(status));
    t.ok(to === 'stays' || ticketStatuses.includes(to));
  }
  t.same(transitionTable.received.from, [], 'received creates a ticket, it never moves one');
});

t.test('an agent corrects the category of a triaged or classified ticket before dispatch, not after', async (t) => {
  t.equal(applyEvent('triage', 'classified'), 'classified');
  t.equal(applyEvent('classified', 'classified'), 'classified');
  t.throws(() => applyEvent('dispatched', 'classified'), IllegalTransitionError);
});
