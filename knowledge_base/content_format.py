"""Content file format v1 (see content/README.md): parsing, validation and YAML output.

Every problem found in a file is reported at once as ``file:line: field: message``, in Polish,
because the office staff read these messages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from knowledge_base.documents import EntryStatus, Scope

WARSAW = ZoneInfo("Europe/Warsaw")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ID_LENGTH = 100
YAML_SUFFIXES = (".yml", ".yaml")
CSV_SUFFIX = ".csv"
LIST_SEPARATOR = "|"

Topic = Literal[
    "nabor",
    "terminy",
    "kwoty",
    "uprawnieni",
    "dokumenty",
    "ocena",
    "protest",
    "koszty",
    "innowacje",
    "lgd",
    "kontakt",
    "wydarzenia",
    "programy",
]
CallScope = Literal["torun", "analogia"]
StatusOverride = Literal["planned", "open", "closed", "cancelled"]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a content file, pointing at the file, line and field."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ContentError(Exception):
    """Content cannot be imported; the message lists every problem, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field or ""))
        super().__init__("\n".join(str(p) for p in self.problems))


# --- field types ------------------------------------------------------------------------------


def _error(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(f"kb_{kind}", message, context)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else None
    if text is not None and _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _error(
        "date", "nieprawidłowa data „{value}” — podaj RRRR-MM-DD, np. 2023-05-09", value=str(value)
    )


def _parse_datetime(value: Any) -> datetime:
    """ISO date-time; without an offset it is Warsaw time. Always returned in Warsaw time."""
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        raise _error(
            "datetime",
            "nieprawidłowa data i godzina „{value}” — podaj np. 2023-07-28T15:00:00+02:00",
            value=str(value),
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=WARSAW)
    return parsed.astimezone(WARSAW)


def _parse_amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _error(
            "amount", "oczekiwano kwoty jako liczby (bez spacji i „zł”), np. 650000 lub 1234.50"
        )
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise _error("amount", "kwota musi być liczbą nieujemną")
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        raise _error("amount", "kwota może mieć najwyżej 2 miejsca po przecinku i 12 cyfr")
    return amount


def _amount_out(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _check_slug(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not _SLUG.match(value) or len(value) > MAX_ID_LENGTH:
            raise _error(
                "slug",
                "identyfikator „{value}” może zawierać tylko małe litery a–z, cyfry i myślniki "
                "(np. torun-nabor-termin)",
                value=value,
            )
    return value


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OptionalText = Annotated[Text | None, BeforeValidator(_blank_to_none)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Slug = Annotated[str, BeforeValidator(_check_slug)]
IsoDate = Annotated[date, BeforeValidator(_parse_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_parse_datetime)]
Amount = Annotated[
    Decimal, BeforeValidator(_parse_amount), PlainSerializer(_amount_out, when_used="json")
]
Phrasings = Annotated[tuple[Text, ...], Field(min_length=3)]
Keywords = Annotated[tuple[Text, ...], BeforeValidator(_none_to_empty)]


# --- records ----------------------------------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class CallRecord(_Record):
    """A grant call (nabór); every field but code, name, source and info_date may be null."""

    code: Code
    name: Text
    scope: Annotated[CallScope | None, BeforeValidator(_blank_to_none)] = None
    organiser: OptionalText = None
    programme: OptionalText = None
    measure: OptionalText = None
    project_type: OptionalText = None
    status_override: Annotated[StatusOverride | None, BeforeValidator(_blank_to_none)] = None
    opens_at: Annotated[IsoDateTime | None, BeforeValidator(_blank_to_none)] = None
    closes_at: Annotated[IsoDateTime | None, BeforeValidator(_blank_to_none)] = None
    pool_pln: Amount | None = None
    min_amount_pln: Amount | None = None
    max_amount_pln: Amount | None = None
    cofinancing: OptionalText = None
    duration: OptionalText = None
    submission: OptionalText = None
    eligible: OptionalText = None
    attachments: OptionalText = None
    scoring: OptionalText = None
    source: Text
    info_date: IsoDate

    @model_validator(mode="after")
    def _consistent(self) -> CallRecord:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise _error("order", "closes_at: koniec naboru musi być później niż opens_at")
        low, high = self.min_amount_pln, self.max_amount_pln
        if low is not None and high is not None and low > high:
            raise _error("order", "min_amount_pln: kwota minimalna jest większa niż maksymalna")
        return self


class FaqRecord(_Record):
    """A question-and-answer entry."""

    id: Slug
    topic: Topic
    scope: Scope
    status: EntryStatus
    question: Text
    phrasings: Phrasings
    keywords: Keywords = ()
    answer: Text
    call: Annotated[Code | None, BeforeValidator(_blank_to_none)] = None
    source: Text
    info_date: IsoDate


class GuidanceRecord(_Record):
    """A longer article."""

    id: Slug
    topic: Topic
    scope: Scope
    title: Text
    phrasings: Phrasings
    keywords: Keywords = ()
    body: Text
    source: Text
    info_date: IsoDate


class ContentFile(BaseModel):
    """One whole file: up to three lists."""

    model_config = ConfigDict(extra="forbid")

    calls: Annotated[list[CallRecord], BeforeValidator(_none_to_empty)] = []
    faq: Annotated[list[FaqRecord], BeforeValidator(_none_to_empty)] = []
    guidance: Annotated[list[GuidanceRecord], BeforeValidator(_none_to_empty)] = []


KIND_KEYS: dict[str, str] = {"calls": "code", "faq": "id", "guidance": "id"}
FAQ_COLUMNS = tuple(FaqRecord.model_fields)
LIST_COLUMNS = ("phrasings", "keywords")


# --- bundle -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a record was read from, for messages about it after parsing."""

    file: str
    line: int
    field_lines: Mapping[str, int] = field(default_factory=dict)

    def problem(self, field_name: str | None, message: str) -> Problem:
        line = self.field_lines.get(field_name, self.line) if field_name else self.line
        return Problem(self.file, line, field_name, message)


@dataclass
class ContentBundle:
    """Validated records of one or more files, with where each came from."""

    calls: list[CallRecord] = field(default_factory=list)
    faq: list[FaqRecord] = field(default_factory=list)
    guidance: list[GuidanceRecord] = field(default_factory=list)
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)

    def origin(self, kind: str, key: str) -> Origin | None:
        return self.origins.get((kind, key))

    def extend(self, other: ContentBundle) -> None:
        self.calls.extend(other.calls)
        self.faq.extend(other.faq)
        self.guidance.extend(other.guidance)
        self.origins.update(other.origins)

    def __len__(self) -> int:
        return len(self.calls) + len(self.faq) + len(self.guidance)


# --- YAML with line numbers -------------------------------------------------------------------


class _LineMap(dict[Any, Any]):
    line: int = 1
    key_lines: dict[Any, int]


class _LineList(list[Any]):
    line: int = 1
    item_lines: list[int]


# libyaml's parser when PyYAML has it (ten times faster: an import of the whole base is parsed
# in ~50 ms instead of ~0.5 s, which is most of what `kb import` does), PyYAML's own otherwise.
_SafeLoaderBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoaderBase):  # type: ignore[misc]
    """Safe loader that remembers lines and keeps dates as text (validated by the models)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.text = stream
        self.duplicates: list[tuple[int, str]] = []

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()
        if node is not None and _has_alias(node):
            # Aliases are not part of the format, and nested ones can blow up validation time.
            mark: Any = next(
                event.start_mark
                for event in yaml.parse(self.text, Loader=_SafeLoaderBase)
                if isinstance(event, yaml.AliasEvent)
            )
            raise yaml.composer.ComposerError(
                None, None, "odwołania (*alias) nie są obsługiwane", mark
            )
        return node


def _has_alias(root: yaml.Node) -> bool:
    """An alias is composed as the very node its anchor names: a node met twice is one."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return False


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[_LineMap]:
    data = _LineMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            key = str(key)
        if key in data:
            loader.duplicates.append((line, str(key)))
        data[key] = loader.construct_object(value_node)
        data.key_lines[key] = line


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[_LineList]:
    data = _LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = []
    yield data
    for child in node.value:
        data.append(loader.construct_object(child))
        data.item_lines.append(child.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _line_of(data: Any, loc: Sequence[int | str]) -> int:
    line: int = getattr(data, "line", 1)
    node = data
    for part in loc:
        if isinstance(node, _LineMap) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, _LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


# --- messages ---------------------------------------------------------------------------------

_MISSING = {
    "answer": "brak odpowiedzi",
    "body": "brak treści artykułu",
    "question": "brak pytania",
    "title": "brak tytułu",
    "source": "brak źródła",
    "info_date": "brak daty informacji",
    "id": "brak identyfikatora",
    "code": "brak kodu naboru",
    "name": "brak nazwy naboru",
    "topic": "brak tematu",
    "scope": "brak zakresu",
    "status": "brak statusu",
    "phrasings": "brak innych sformułowań pytania (potrzeba co najmniej 3)",
}


def _field_name(loc: Sequence[int | str]) -> str | None:
    parts = list(loc)
    if len(parts) >= 2 and parts[0] in KIND_KEYS and isinstance(parts[1], int):
        parts = parts[2:]
    if not parts:
        return None
    name = str(parts[0])
    for part in parts[1:]:
        name += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return name


def _polish(err: ErrorDetails, field_name: str | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    base = (field_name or "").split("[")[0]
    if kind.startswith("kb_"):
        return err["msg"]
    if kind == "missing" or (
        kind == "string_too_short" and base in _MISSING and base == field_name
    ):
        return _MISSING.get(base, "brak wymaganego pola")
    messages = {
        "extra_forbidden": "nieznane pole",
        "string_type": "oczekiwano tekstu",
        "string_too_short": "pusty tekst",
        "string_too_long": f"za długi tekst (najwyżej {ctx.get('max_length')} znaków)",
        "too_short": (
            f"za mało pozycji: {ctx.get('actual_length')}, "
            f"potrzeba co najmniej {ctx.get('min_length')}"
        ),
        "list_type": "oczekiwano listy",
        "tuple_type": "oczekiwano listy",
        "model_type": "oczekiwano wpisu z polami (klucz: wartość)",
        "model_attributes_type": "oczekiwano wpisu z polami (klucz: wartość)",
        "dict_type": "oczekiwano wpisu z polami (klucz: wartość)",
    }
    if kind in messages:
        return messages[kind]
    if kind in ("literal_error", "enum"):
        allowed = str(ctx.get("expected", "")).replace(" or ", " lub ")
        return f"niedozwolona wartość „{err.get('input')}” — dozwolone: {allowed}"
    return f"nieprawidłowa wartość ({err['msg']})"


def _validation_problems(file: str, data: Any, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        name = _field_name(loc)
        message = _polish(err, name)
        if err["type"].startswith("kb_") and ": " in message and name is None:
            # a check across fields names the field it blames at the start of its message
            name, message = message.split(": ", 1)
            loc = (*loc, name)
        problems.append(Problem(file, _line_of(data, loc), name, message))
    return problems


# --- parsing ----------------------------------------------------------------------------------


@dataclass
class _Parsed:
    file: str
    data: Any = None
    bundle: ContentBundle | None = None
    problems: list[Problem] = field(default_factory=list)


def _read_text(path: Path, parsed: _Parsed) -> str | None:
    try:
        size = path.stat().st_size
    except OSError:
        parsed.problems.append(Problem(parsed.file, None, None, "nie ma takiego pliku"))
        return None
    if size > MAX_FILE_BYTES:
        mb = f"{size / 1024 / 1024:.1f}".replace(".", ",")
        parsed.problems.append(
            Problem(parsed.file, None, None, f"plik jest za duży ({mb} MB; limit to 2 MB)")
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        parsed.problems.append(
            Problem(parsed.file, line, None, "plik nie jest zapisany w kodowaniu UTF-8")
        )
        return None
    if not text.strip():
        parsed.problems.append(Problem(parsed.file, None, None, "plik jest pusty"))
        return None
    return text


def _parse_yaml(text: str, parsed: _Parsed) -> None:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        detail = exc.problem or exc.context or "nieczytelny plik"
        parsed.problems.append(Problem(parsed.file, line, None, f"błąd składni YAML: {detail}"))
        return
    except yaml.YAMLError as exc:
        parsed.problems.append(Problem(parsed.file, None, None, f"błąd składni YAML: {exc}"))
        return
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        parsed.problems.append(Problem(parsed.file, line, key, "pole podane dwa razy"))
    if data is None:
        parsed.problems.append(Problem(parsed.file, None, None, "plik jest pusty"))
    elif not isinstance(data, dict):
        parsed.problems.append(
            Problem(parsed.file, 1, None, "plik musi zawierać listy calls, faq lub guidance")
        )
    else:
        parsed.data = data


def _sniff_delimiter(header: str) -> str:
    return max((",", ";", "\t"), key=header.count)


def _parse_csv(text: str, parsed: _Parsed) -> None:
    header_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line))
    try:
        header = [name.strip() for name in next(reader)]
        rows = _LineList()
        rows.item_lines = []
        last = reader.line_num
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(_csv_row(header, cells, start, parsed))
            rows.item_lines.append(start)
    except csv.Error as exc:
        parsed.problems.append(Problem(parsed.file, reader.line_num, None, f"błąd CSV: {exc}"))
        return
    unknown = [name for name in header if name not in FAQ_COLUMNS]
    for name in unknown:
        parsed.problems.append(Problem(parsed.file, 1, name, "nieznana kolumna"))
    required = [n for n, f in FaqRecord.model_fields.items() if f.is_required()]
    for name in required:
        if name not in header:
            parsed.problems.append(Problem(parsed.file, 1, name, "brak kolumny"))
    if parsed.problems:
        return
    data = _LineMap(faq=rows)
    data.key_lines = {"faq": 1}
    parsed.data = data


def _csv_row(header: list[str], cells: list[str], line: int, parsed: _Parsed) -> _LineMap:
    if len(cells) > len(header):
        parsed.problems.append(
            Problem(
                parsed.file, line, None, f"za dużo kolumn ({len(cells)}, nagłówek ma {len(header)})"
            )
        )
    row = _LineMap()
    row.line = line
    row.key_lines = {}
    for name, cell in zip(header, cells, strict=False):
        value: Any = cell.strip()
        if name in LIST_COLUMNS:
            value = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
        elif not value:
            continue
        row[name] = value
        row.key_lines[name] = line
    return row


def _validate(parsed: _Parsed) -> None:
    try:
        content = ContentFile.model_validate(parsed.data)
    except ValidationError as exc:
        parsed.problems.extend(_validation_problems(parsed.file, parsed.data, exc))
        return
    bundle = ContentBundle(calls=content.calls, faq=content.faq, guidance=content.guidance)
    for kind, key_field in KIND_KEYS.items():
        items = parsed.data.get(kind) or []
        for index, record in enumerate(getattr(content, kind)):
            raw = items[index]
            bundle.origins[(kind, getattr(record, key_field))] = Origin(
                file=parsed.file,
                line=_line_of(parsed.data, (kind, index)),
                field_lines=dict(getattr(raw, "key_lines", {})),
            )
    parsed.bundle = bundle


def _parse(path: Path) -> _Parsed:
    parsed = _Parsed(file=path.name)
    suffix = path.suffix.lower()
    if suffix not in (*YAML_SUFFIXES, CSV_SUFFIX):
        parsed.problems.append(
            Problem(
                parsed.file, None, None, "nieobsługiwany typ pliku (dozwolone: .yml, .yaml, .csv)"
            )
        )
        return parsed
    text = _read_text(path, parsed)
    if text is None:
        return parsed
    if suffix == CSV_SUFFIX:
        _parse_csv(text, parsed)
    else:
        _parse_yaml(text, parsed)
    if parsed.data is not None:
        _validate(parsed)
    return parsed


def _identities(parsed: _Parsed) -> Iterator[tuple[str, str, str, int]]:
    """(namespace, key field, key, line) of every entry; FAQ and guidance share one id space."""
    data = parsed.data
    if not isinstance(data, dict):
        return
    for kind, key_field in KIND_KEYS.items():
        items = data.get(kind)
        if not isinstance(items, list):
            continue
        namespace = "call" if kind == "calls" else "document"
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get(key_field), str | int):
                key = str(item[key_field]).strip()
                line = _line_of(data, (kind, index, key_field))
                yield namespace, key_field, key, line


def reference_problems(bundle: ContentBundle, known_call_codes: Collection[str]) -> list[Problem]:
    """FAQ entries whose `call` names a call that is neither in the bundle nor known elsewhere."""
    known = set(known_call_codes) | {call.code for call in bundle.calls}
    problems = []
    for entry in bundle.faq:
        if entry.call is not None and entry.call not in known:
            origin = bundle.origin("faq", entry.id) or Origin("?", 0)
            problems.append(origin.problem("call", f"nieznany kod naboru „{entry.call}”"))
    return problems


def load_files(
    paths: Sequence[Path | str], *, known_call_codes: Collection[str] | None = None
) -> ContentBundle:
    """Parse and validate files as one import; raise ContentError listing every problem.

    With `known_call_codes` (e.g. the calls already in the database), `call:` references are
    checked too.
    """
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    bundle = ContentBundle()
    for path in paths:
        parsed = _parse(Path(path))
        problems.extend(parsed.problems)
        for namespace, key_field, key, line in _identities(parsed):
            here = f"{parsed.file}:{line}"
            first = seen.setdefault((namespace, key), here)
            if first != here:
                message = f"powtórzony identyfikator „{key}” (pierwszy raz: {first})"
                problems.append(Problem(parsed.file, line, key_field, message))
        if parsed.bundle is not None and not parsed.problems:
            bundle.extend(parsed.bundle)
    if known_call_codes is not None:
        problems.extend(reference_problems(bundle, known_call_codes))
    if problems:
        raise ContentError(problems)
    return bundle


def load_file(path: Path | str) -> ContentBundle:
    """Parse and validate one YAML or CSV file; raise ContentError listing every problem."""
    return load_files([path])


# --- output -----------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block-style YAML; multi-line text as literal blocks; ISO dates left unquoted."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


_Dumper.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(content: Mapping[str, Any], *, header: str = "") -> str:
    """Render plain data (as produced by ``record.model_dump(mode="json")``) in the file format."""
    body = yaml.dump(
        dict(content),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return header + body
