"""Rasa 3.6 conversation stores for the production profile (and a bounded embedded one).

Plain Rasa replays a conversation's whole tracker on every message (deserialise, replay,
featurise every past turn, send every event to the action server, serialise it back), so
the cost of a message grows with the length of the conversation. The tracker stores here
keep the *stored* conversation bounded instead: once a tracker holds more than
``max_events`` events, it is compacted to a snapshot of the state at a cut point (the
session start, ``SlotSet`` for every slot that differs from its initial value, the active
loop, a pause) followed verbatim by the events of the last ``keep_turns`` user messages,
starting at an ``action_listen``. Our policies (RulePolicy, MemoizationPolicy with
``max_history: 3``) only look at the last few turns and the current slot values, so
predictions on the compacted tracker are the same as on the full one.

Two more costs of Rasa 3.6 are paid once instead of on every use: deserialising an event
looks its class up among all ``Event`` subclasses (here: cached by type name), and every
action server response is checked with ``jsonschema.validate``, which first re-validates
the schema itself (here, with ``precompiled_action_schema: true``: the schema is checked
once and the same validator reused; responses are validated exactly as before).

``AtomicRedisLockStore`` fixes a race of Rasa's ``RedisLockStore`` when several Rasa
processes share it: issuing a ticket is a read-modify-write of one Redis key, so two
instances receiving messages of one user at the same moment could both get ticket 0 and
process them concurrently. Here every change of a lock is one optimistic Redis
transaction (WATCH/MULTI), and waiting polls every ``poll_interval`` seconds instead of 1.

Loaded by module path from ``endpoints.production.yml``; imports only Rasa and stdlib
because it runs inside the Rasa server (.venv-rasa, Python 3.10).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_MAX_EVENTS = 60
DEFAULT_KEEP_TURNS = 5


@dataclass(frozen=True)
class Compaction:
    """When and how far a tracker is compacted (see the module docstring)."""

    max_events: int = DEFAULT_MAX_EVENTS
    keep_turns: int = DEFAULT_KEEP_TURNS

    @classmethod
    def from_config(cls, max_events: Any = None, keep_turns: Any = None) -> Compaction:
        """Values from endpoints.yml, where environment substitution yields strings."""
        compaction = cls(
            int(max_events) if max_events not in (None, "") else DEFAULT_MAX_EVENTS,
            int(keep_turns) if keep_turns not in (None, "") else DEFAULT_KEEP_TURNS,
        )
        if compaction.keep_turns < 1 or compaction.max_events < 4 * compaction.keep_turns:
            raise ValueError(
                f"tracker compaction needs keep_turns >= 1 and max_events >= 4 * keep_turns "
                f"(got max_events={compaction.max_events}, keep_turns={compaction.keep_turns})"
            )
        return compaction

    def compact(
        self, sender_id: str, events: list[Event], slots: Iterable[Slot]
    ) -> list[Event] | None:
        """The compacted events of the latest session, or None when nothing is to be done."""
        if len(events) <= self.max_events:
            return None
        start = _latest_session_start(events)
        cut = self._cut(events, start)
        if cut is None:
            # The latest session is short: only earlier sessions can go.
            return events[start:] if start > 0 else None
        before = DialogueStateTracker.from_events(sender_id, events[start:cut], slots)
        return _snapshot(events, start, cut, before) + events[cut:]

    def _cut(self, events: list[Event], start: int) -> int | None:
        """Index of the `action_listen` just before the `keep_turns`-th last user message."""
        users = [i for i in range(start, len(events)) if isinstance(events[i], UserUttered)]
        if len(users) <= self.keep_turns:
            return None
        first_kept = users[-self.keep_turns]
        for i in range(first_kept - 1, start, -1):
            if _is_listen(events[i]):
                return i
        return None


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME


def _latest_session_start(events: list[Event]) -> int:
    """Index where the latest session begins (its `action_session_start`), or 0."""
    for i in range(len(events) - 1, -1, -1):
        if isinstance(events[i], SessionStarted):
            previous = events[i - 1] if i > 0 else None
            is_marker = (
                isinstance(previous, ActionExecuted)
                and previous.action_name == ACTION_SESSION_START_NAME
            )
            return i - 1 if is_marker else i
    return 0


def _snapshot(
    events: list[Event], start: int, cut: int, before: DialogueStateTracker
) -> list[Event]:
    """Events that recreate the state `before` the cut: session start, slots, loop, pause."""
    head = [e for e in events[start:cut] if isinstance(e, SessionStarted) or _is_session_action(e)][
        :2
    ]
    # SQLTrackerStore returns events from the latest session start on, by timestamp.
    stamp = head[-1].timestamp if head else events[cut].timestamp
    state: list[Event] = []
    for slot in before.slots.values():
        if slot.value != slot.initial_value:
            state.append(SlotSet(slot.name, slot.value, timestamp=stamp))
    if before.active_loop is not None and before.active_loop.name:
        state.append(ActiveLoop(before.active_loop.name, timestamp=stamp))
        if before.active_loop.is_interrupted:
            state.append(LoopInterrupted(True, timestamp=stamp))
    if before.is_paused():
        state.append(ConversationPaused(timestamp=stamp))
    return head + state


def _is_session_action(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME


@functools.cache
def _event_class(type_name: str) -> type[Event] | None:
    return Event.resolve_by_type(type_name)


def deserialise_events(serialised: Iterable[dict[str, Any]]) -> list[Event]:
    """`rasa.shared.core.events.deserialise_events`, with the class lookup cached."""
    events = []
    for data in serialised:
        type_name = data.get("event")
        event_class = _event_class(type_name) if type_name else None
        event = event_class._from_parameters(data) if event_class else None
        if event is not None:
            events.append(event)
    return events


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def precompile_action_schema() -> None:
    """Validate action server responses with one precompiled validator (module docstring)."""
    if getattr(RemoteAction, "_schema_validator", None) is not None:
        return
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    original = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        if not validator.is_valid(result):
            return original(self, result)  # Rasa's own error and message
        return True

    RemoteAction._schema_validator = validator  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]
    logger.info("action server responses validated with a precompiled schema")


class CompactingInMemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store, with the stored conversation kept bounded."""

    def __init__(
        self,
        domain: Domain,
        event_broker: Any = None,
        host: str | None = None,
        max_events: Any = None,
        keep_turns: Any = None,
        precompiled_action_schema: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.compaction = Compaction.from_config(max_events, keep_turns)
        if _is_true(precompiled_action_schema):
            precompile_action_schema()

    def deserialise_tracker(
        self, sender_id: str, serialised_tracker: Any
    ) -> DialogueStateTracker | None:
        dialogue = json.loads(serialised_tracker)
        return DialogueStateTracker.from_events(
            sender_id, deserialise_events(dialogue.get("events") or []), self.domain.slots
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        compacted = self.compaction.compact(
            tracker.sender_id, list(tracker.events), self.domain.slots
        )
        if compacted is None:
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = json.dumps(Dialogue(tracker.sender_id, compacted).as_dict())
        logger.debug("tracker compacted events=%s", len(compacted))


class CompactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL store (PostgreSQL in production), with the stored conversation bounded.

    A compaction replaces the sender's rows with the compacted events in one transaction,
    so a reader (another instance) sees either the old rows or the new ones, and Rasa's
    count of stored events (``_additional_events``) matches on the next save.
    """

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        max_events: Any = None,
        keep_turns: Any = None,
        precompiled_action_schema: Any = False,
        **kwargs: Any,
    ) -> None:
        self.compaction = Compaction.from_config(max_events, keep_turns)
        super().__init__(domain=domain, host=host, **kwargs)
        if _is_true(precompiled_action_schema):
            precompile_action_schema()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's query, reading only the `data` column, with the faster deserialisation."""
        with self.session_scope() as session:
            query = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).with_entities(self.SQLEvent.data)
            events = deserialise_events(json.loads(data) for (data,) in query.all())
        if not events:
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        compacted = self.compaction.compact(
            tracker.sender_id, list(tracker.events), self.domain.slots
        )
        if compacted is None:
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == tracker.sender_id
            ).delete(synchronize_session=False)
            session.add_all([self._row(tracker.sender_id, e) for e in compacted])
            session.commit()
        logger.debug("tracker compacted events=%s", len(compacted))

    def _row(self, sender_id: str, event: Event) -> SQLTrackerStore.SQLEvent:
        """One `events` row, exactly as `SQLTrackerStore.save` writes it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )


LockChange = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis ticket lock with every change made atomically (see the module docstring).

    Configured like Rasa's ``redis`` lock store (``url``, ``port``, ``db``, ``password``,
    ``key_prefix``…) plus ``poll_interval`` (seconds between checks while waiting).
    """

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        kwargs = dict(endpoint_config.kwargs)
        self.poll_interval = float(kwargs.pop("poll_interval", None) or 0.02)
        if not kwargs.get("password"):
            kwargs.pop("password", None)
        super().__init__(host=endpoint_config.url or "localhost", **kwargs)

    def _change(self, conversation_id: str, change: LockChange, lifetime: float) -> Any:
        """Apply `change` to the stored lock in one WATCH/MULTI transaction (retried)."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            raw = pipe.get(key)
            current = TicketLock.from_dict(json.loads(raw)) if raw else None
            updated, result = change(current)
            pipe.multi()
            if updated is None or not updated.tickets:
                pipe.delete(key)
            else:
                # A crashed holder cannot keep the key forever: it ends with its tickets.
                pipe.set(key, updated.dumps(), px=int((lifetime + 5) * 1000))
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            ticket: int = self._change(conversation_id, issue, lock_lifetime)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        def prune(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, prune, LOCK_LIFETIME)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Drop our ticket; the key goes with the last ticket (one transaction, no race)."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish, LOCK_LIFETIME)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock, polling every `poll_interval` instead of every second."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, self.poll_interval)
        finally:
            self.cleanup(conversation_id, ticket)


__all__ = [
    "AtomicRedisLockStore",
    "CompactingInMemoryTrackerStore",
    "CompactingSQLTrackerStore",
    "Compaction",
]
