"""A TOML table read key by key, with errors that name the key.

The generic half of reading ``municipality.toml`` (:mod:`.data` knows the
file's layout): typed getters that raise :class:`DemoDataError` with the key's
full path, e.g. ``municipality.toml: organizations["hinode"].phone: missing``,
and a record of the keys read, to refuse the ones nothing reads (typos).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn, TypeVar

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

_IDENTIFYING = ("key", "code", "username")
"""Keys whose value names an entry of an array of tables in error messages."""


class DemoDataError(ValueError):
    """The demo's data file is malformed; the message names the file and the key."""


class Table:
    """One TOML table, read key by key with typed getters.

    Every getter raises :class:`DemoDataError` naming the key's full path. Keys
    read are remembered, so that :meth:`Reader.check_unknown` can report the rest.
    """

    def __init__(self, reader: Reader, raw: Mapping[str, Any], path: str) -> None:
        self.reader = reader
        self.raw = raw
        self.path = path
        self.used: set[str] = set()
        reader.tables.append(self)

    def where(self, key: str) -> str:
        """The dotted path of ``key`` in the file."""
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> NoReturn:
        """Report ``problem`` with ``key``."""
        raise DemoDataError(f"{self.reader.source}: {self.where(key)}: {problem}")

    def has(self, key: str) -> bool:
        """Whether ``key`` is given."""
        return key in self.raw

    def data_keys(self) -> list[str]:
        """Every key of a table whose keys are data (all count as read)."""
        self.used.update(self.raw)
        return list(self.raw)

    def _value(self, key: str, kinds: tuple[type, ...], expected: str) -> Any:
        self.used.add(key)
        if key not in self.raw:
            self.fail(key, "missing")
        value = self.raw[key]
        # bool is an int in Python, but never a number in the file.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail(key, f"expected {expected}, got {value!r}")
        return value

    def text(self, key: str) -> str:
        """A non-empty string."""
        value: str = self._value(key, (str,), "a string")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def opt_text(self, key: str) -> str | None:
        """A string, or None when absent."""
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, minimum: int = 0) -> int:
        """An integer at least ``minimum``."""
        value: int = self._value(key, (int,), "an integer")
        if value < minimum:
            self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def opt_integer(self, key: str, minimum: int = 0) -> int | None:
        """An integer, or None when absent."""
        return self.integer(key, minimum) if self.has(key) else None

    def share(self, key: str) -> float:
        """A number between 0 and 1."""
        value = float(self._value(key, (int, float), "a number"))
        if not 0 <= value <= 1:
            self.fail(key, f"must be between 0 and 1, got {value}")
        return value

    def flag(self, key: str) -> bool:
        """A boolean, false when absent."""
        return bool(self._value(key, (bool,), "true or false")) if self.has(key) else False

    def _array(self, key: str, nonempty: bool) -> list[Any]:
        value: list[Any] = self._value(key, (list,), "an array")
        if nonempty and not value:
            self.fail(key, "must not be empty")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        """A non-empty array of strings (one is chosen at random)."""
        items = self._array(key, nonempty=True)
        if not all(isinstance(item, str) and item.strip() for item in items):
            self.fail(key, f"expected non-empty strings, got {items!r}")
        return tuple(items)

    def pairs(self, key: str) -> tuple[tuple[str, str], ...]:
        """A non-empty array of [written, reading] pairs."""
        items = self._array(key, nonempty=True)
        for i, item in enumerate(items):
            if not (
                isinstance(item, list) and len(item) == 2 and all(isinstance(p, str) for p in item)
            ):
                self.fail(f"{key}[{i}]", f"expected [written, reading], got {item!r}")
        return tuple((written, reading) for written, reading in items)

    def day_range(self, key: str) -> tuple[int, int]:
        """[newest, oldest]: days ago, the newest first."""
        items = self._array(key, nonempty=True)
        if not (
            len(items) == 2 and all(isinstance(n, int) and not isinstance(n, bool) for n in items)
        ):
            self.fail(key, f"expected [newest, oldest] days ago, got {items!r}")
        newest, oldest = items
        if not 0 <= newest <= oldest:
            self.fail(key, f"expected 0 <= newest <= oldest, got {items!r}")
        return newest, oldest

    def choice(self, key: str, kind: type[E]) -> E:
        """An identifier of ``kind`` (the enum's value)."""
        return self._member(key, self._value(key, (str,), "a string"), kind)

    def choices(self, key: str, kind: type[E], nonempty: bool = False) -> tuple[E, ...]:
        """An array of identifiers of ``kind``."""
        items = self._array(key, nonempty)
        return tuple(self._member(f"{key}[{i}]", item, kind) for i, item in enumerate(items))

    def _member(self, key: str, value: object, kind: type[E]) -> E:
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(str(m.value) for m in kind)
            self.fail(key, f"unknown {_label(kind)} {value!r} (one of: {known})")

    def ref(self, key: str, known: Collection[str], what: str) -> str:
        """The code or key of something defined elsewhere in the file."""
        value = self.text(key)
        if value not in known:
            self.fail(key, f"unknown {what} {value!r}")
        return value

    def refs(self, key: str, known: Collection[str], what: str) -> tuple[str, ...]:
        """A non-empty array of codes or keys defined elsewhere in the file."""
        items = self._array(key, nonempty=True)
        for i, item in enumerate(items):
            if not isinstance(item, str) or item not in known:
                self.fail(f"{key}[{i}]", f"unknown {what} {item!r}")
        return tuple(items)

    def table(self, key: str) -> Table:
        """A sub-table."""
        return Table(self.reader, self._value(key, (dict,), "a table"), self.where(key))

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``), each named by its key, code or username."""
        items = self._array(key, nonempty=True)
        found: list[Table] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.fail(f"{key}[{i}]", f"expected a table, got {item!r}")
            name = next((item[k] for k in _IDENTIFYING if isinstance(item.get(k), str)), None)
            label = f'"{name}"' if name is not None else str(i)
            found.append(Table(self.reader, item, f"{self.where(key)}[{label}]"))
        return found

    def by_member(
        self,
        kind: type[E],
        read: Callable[[Table, str], T],
        required: Collection[E] = (),
    ) -> dict[E, T]:
        """A table whose keys are identifiers of ``kind``, each value read by ``read``."""
        found = {self._member(key, key, kind): read(self, key) for key in self.data_keys()}
        for member in required:
            if member not in found:
                self.fail(str(member.value), "missing")
        return found


def _label(kind: type[enum.Enum]) -> str:
    """``NeedCategory`` as ``need category``."""
    name = kind.__name__
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


class Reader:
    """One reading of the file: its name, for messages, and every table it opened."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tables: list[Table] = []

    def check_unknown(self) -> None:
        """Refuse keys nothing read: most likely typos."""
        for table in self.tables:
            for key in table.raw:
                if key not in table.used:
                    table.fail(key, "unknown key")


def unique(tables: list[Table], key: str, what: str) -> set[str]:
    """The ``key`` of each table, refusing duplicates."""
    seen: set[str] = set()
    for table in tables:
        value = table.text(key)
        if value in seen:
            table.fail(key, f"duplicate {what} {value!r}")
        seen.add(value)
    return seen
