"""The only module that imports durable-rules: a small, trap-proof session API.

durable-rules (2.0.28, unmaintained since 2020) is the inference core: it matches each
staged fact against every provision's compiled condition. Its traps (see
docs/architecture.md) are guarded here, each with a test in tests/test_durable_adapter.py:

- at most 1024 live sessions per ruleset -> one sid per evaluation, deleted in `finally`;
- exceptions raised in actions are swallowed -> actions are wrapped, errors re-raised,
  and the session state is checked for an `exception` entry;
- a fact matching no rule raises MessageNotHandledException, and deleting such a
  session can crash the process -> every ruleset gets a catch-all rule, so every
  message is handled;
- `register_rulesets` mutates its argument (pops `run`) -> we pass deep copies;
- one ruleset name registers once per host; one host per process (timer threads) ->
  module-level host, names derived from a content hash, registration cached;
- calls are not thread-safe -> one lock around each whole session;
- identical facts asserted twice raise MessageObservedException -> callers assert one
  distinct fact per stage (the stage number is part of the fact).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from durable import engine as _durable

from .errors import EngineError

CATCH_ALL = "__handled__"
_CATCH_ALL_RULE = {"all": [{"m": {"$gte": {"stage": 0}}}]}

Action = Callable[[dict[str, Any]], None]


class _Host(_durable.Host):
    """Binds every rule's action name to the adapter's dispatcher."""

    def __init__(self, dispatch: Callable[[str, Any], None]) -> None:
        self._dispatch = dispatch
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def run(c: Any) -> None:
            self._dispatch(action_name, c)

        return run


class DurableAdapter:
    """Registers compiled rulesets and runs one short-lived session per evaluation."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._host: _Host | None = None
        self._registered: set[str] = set()
        self._actions: dict[str, Action] = {}
        self._fired: list[str] = []
        self._errors: list[BaseException] = []
        self._sids = itertools.count()

    def _get_host(self) -> _Host:
        if self._host is None:
            self._host = _Host(self._dispatch)
        return self._host

    def _dispatch(self, action_name: str, c: Any) -> None:
        if action_name == CATCH_ALL:
            return
        try:
            _ruleset, rule = action_name.split("/", 1)
            self._fired.append(rule)
            custom = self._actions.get(action_name)
            if custom is not None:
                custom(dict(c.m._d))
        except BaseException as exc:  # durable would swallow it: keep it for the caller
            self._errors.append(exc)

    def register(
        self,
        name: str,
        rules: dict[str, dict[str, Any]],
        actions: dict[str, Action] | None = None,
    ) -> str:
        """Register `rules` (rule name -> durable condition dict) as ruleset `name`.

        Names must identify content (the compiler hashes the rules): a name registers
        once per process. Each rule fires by recording its name; `actions` may add a
        callable per rule (tests use it to show errors inside actions reach the caller).
        """
        if not name.isidentifier():
            raise ValueError(f"invalid ruleset name {name!r}")
        with self._lock:
            if name in self._registered:
                return name
            definition: dict[str, Any] = {}
            for rule_name, condition in rules.items():
                if "/" in rule_name or rule_name == CATCH_ALL:
                    raise ValueError(f"invalid rule name {rule_name!r}")
                # a copy: durable-rules deletes "run" from each rule it reads (and only that)
                definition[rule_name] = {**condition, "run": f"{name}/{rule_name}"}
            definition[CATCH_ALL] = {**_CATCH_ALL_RULE, "run": CATCH_ALL}
            for rule_name, action in (actions or {}).items():
                self._actions[f"{name}/{rule_name}"] = action
            try:
                self._get_host().register_rulesets({name: definition})
            except Exception as exc:
                raise EngineError(f"durable-rules rejected the compiled rules: {exc}") from exc
            self._registered.add(name)
        return name

    @contextmanager
    def session(self, ruleset: str) -> Iterator[Session]:
        """One evaluation: assert staged facts, read what fired; state deleted on exit."""
        with self._lock:
            host = self._get_host()
            sid = f"e{next(self._sids)}"
            sess = Session(self, host, ruleset, sid)
            try:
                yield sess
            except BaseException:
                # durable-rules' cleanup of a failed session fails too (error 309), which
                # would mask the real error (e.g. 302): keep the first one
                self._cleanup(host, ruleset, sess, quiet=True)
                raise
            self._cleanup(host, ruleset, sess, quiet=False)

    def _cleanup(self, host: _Host, ruleset: str, sess: Session, quiet: bool) -> None:
        self._fired.clear()
        self._errors.clear()
        if not sess.started:
            return
        try:
            host.delete_state(ruleset, sess.sid)
        except Exception as exc:
            if not quiet:
                raise EngineError(f"durable-rules could not end a session: {exc}") from exc


class Session:
    """A single evaluation's session; never reused for a second question."""

    def __init__(self, adapter: DurableAdapter, host: _Host, ruleset: str, sid: str) -> None:
        self._adapter = adapter
        self._host = host
        self._ruleset = ruleset
        self.sid = sid
        self.started = False

    def assert_fact(self, fact: dict[str, Any]) -> list[str]:
        """Assert one fact (it must carry an int `stage`); return the rules it fired."""
        adapter = self._adapter
        adapter._fired.clear()
        self.started = True
        try:
            self._host.assert_fact(self._ruleset, {**fact, "sid": self.sid})
        except _durable.MessageNotHandledException as exc:  # pragma: no cover - catch-all rule
            raise EngineError(f"fact not handled (missing catch-all rule?): {exc}") from exc
        except Exception as exc:
            raise EngineError(f"durable-rules failed on fact {fact!r}: {exc}") from exc
        if adapter._errors:
            err = adapter._errors[0]
            raise EngineError(f"error inside a rule action: {err!r}") from err
        fired = list(dict.fromkeys(adapter._fired))  # an $or fires once per true branch
        adapter._fired.clear()
        return fired

    def check_state(self) -> None:
        """Raise if durable-rules recorded an exception in the session state."""
        state = self._host.get_state(self._ruleset, self.sid)
        if isinstance(state, dict) and "exception" in state:
            raise EngineError(f"durable-rules session error: {state['exception']}")


_DEFAULT: DurableAdapter | None = None


def default_adapter() -> DurableAdapter:
    """The process-wide adapter (durable-rules allows one host per process in practice)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = DurableAdapter()
    return _DEFAULT
