"""Gazetteer: states, people, organisations, places and weapon systems from YAML data files.

The shipped files live in ``extractor/arabic/data/gazetteer/``. Users extend them with their own YAML
files (``--gazetteer my.yaml`` or ``EXTRACTOR_GAZETTEER``): either a list named after its kind
(``people.yaml``) or a mapping ``{countries: [...], people: [...], orgs: [...], places: [...],
weapons: [...]}``. Aliases are written as in natural Arabic; matching is done on normalized text,
strips the clitics و ف ب ل ك لل from the first word, and derives the forms of adjectives
(أمريكي → الأمريكية، الأمريكيين …). A weapon entry with ``reported_as: <class>`` adds its names to
that class (GUIDELINES §5 reports Taurus as long-range missiles).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any, Literal

import yaml

from extractor.arabic.textnorm import NormalizedText, normalize, normalize_with_map
from extractor.errors import ConfigError

EntryKind = Literal["person", "country", "org", "place", "weapon"]
KINDS: dict[str, EntryKind] = {
    "countries": "country",
    "people": "person",
    "orgs": "org",
    "places": "place",
    "weapons": "weapon",
}
# When one alias names entries of several kinds, the more specific wins.
_PRIORITY: dict[str, int] = {"person": 0, "org": 1, "weapon": 2, "place": 3, "country": 4}
_KINGDOM = "المملكه"
# "المملكة", "والمملكة", "بالمملكة", "للمملكة" as a word of its own (normalized text)
_BARE_KINGDOM = re.compile(r"(?<![^\W\d_])([وف]?(?:ب|ل)?)((?:ال|ل)مملكه)(?![^\W\d_])")
# "وفدين أمريكيا وأوكرانيا": the indefinite accusative ends in ا
_ADJECTIVE_SUFFIXES = ("", "ه", "ون", "ين", "ان", "تان", "تين", "ا")
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer entry (a state, person, organisation, place or weapon system)."""

    kind: EntryKind
    name: str
    code: str | None = None  # evaluation code: ISO-3 of the state, or NATO/EU/G7/UN
    country: str | None = None  # ISO-3 the entry belongs to
    role: str | None = None
    category: str | None = None  # weapons: missile, drone, …
    place_type: str | None = None  # places: city, region, sea, site
    generic: bool = False  # weapons: a class ("Tanks") rather than a system ("Leopard 2")


# "context": a word that names a state only through the document ("المملكة" in a Saudi page)
Via = Literal["name", "adjective", "capital", "context"]


@dataclass(frozen=True, slots=True)
class Mention:
    """An entry found in a text. ``start``/``end`` are original offsets; ``nstart``/``nend``
    normalized ones."""

    entry: Entry
    via: Via
    start: int
    end: int
    nstart: int
    nend: int
    surface: str
    clitic: str  # normalized clitic letters stripped from the first word ("ل" in "لأوكرانيا")
    candidates: tuple[tuple[Entry, Via], ...] = ()  # every entry this alias names, best first

    def as_country(self) -> Entry | None:
        """The state this mention stands for when it names one (directly, or a capital)."""
        for entry, _via in self.candidates or ((self.entry, self.via),):
            if entry.kind == "country":
                return entry
        return None


@dataclass
class Gazetteer:
    """Alias index over normalized word n-grams."""

    index: dict[tuple[str, ...], list[tuple[Entry, Via]]] = field(default_factory=dict)
    countries: dict[str, Entry] = field(default_factory=dict)
    weapons: dict[str, Entry] = field(default_factory=dict)
    # states whose full name is "المملكة …" (a page of one of them calls it "المملكة")
    kingdoms: dict[str, Entry] = field(default_factory=dict)
    max_words: int = 1
    first_words: dict[str, int] = field(default_factory=dict)  # first word → longest alias
    _lookups: dict[str, Mention | None] = field(default_factory=dict, repr=False)
    # word → its clitic variants that start some alias (most words start none)
    _starts: dict[str, tuple[tuple[str, str, int], ...]] = field(default_factory=dict, repr=False)

    # ---- building -------------------------------------------------------------------------
    def add(self, entry: Entry, alias: str, via: Via = "name") -> None:
        self._lookups.clear()  # answers computed before this alias existed may change
        self._starts.clear()
        words = tuple(_WORD_RE.findall(normalize(alias)))
        if not words or (len(words) == 1 and len(words[0]) < 2):
            return
        keys = {words}
        # "الناتو" also matches "(ناتو)"; only for organisations, where ال is surely the article
        # (for states and places it is often part of the name: ألمانيا is not "ال" + "مانيا").
        if entry.kind == "org" and words[0].startswith("ال") and len(words[0]) > 4:
            keys.add((words[0][2:], *words[1:]))
        for key in keys:
            bucket = self.index.setdefault(key, [])
            if all(e != entry for e, _ in bucket):
                bucket.append((entry, via))
                bucket.sort(key=lambda ev: (_PRIORITY[ev[0].kind], ev[1] != "name"))
            self.max_words = max(self.max_words, len(key))
            self.first_words[key[0]] = max(self.first_words.get(key[0], 0), len(key))

    def add_record(self, kind: EntryKind, raw: dict[str, Any], source: str) -> None:
        try:
            name = str(raw["name"])
            aliases = [str(a) for a in raw.get("aliases") or []]
        except (KeyError, TypeError) as exc:
            raise ConfigError(
                f"{source}: gazetteer entry {raw!r} needs 'name' and 'aliases'"
            ) from exc
        if kind == "country":
            code = str(raw.get("code") or "").upper() or None
            entry = Entry("country", name, code=code, country=code)
            if code:
                self.countries[code] = entry
            for alias in aliases:
                self.add(entry, alias)
                if code and normalize(alias).startswith(_KINGDOM + " "):
                    self.kingdoms[code] = entry
            for stem in raw.get("adjectives") or []:
                for form in adjective_forms(str(stem)):
                    self.add(entry, form, "adjective")
            for capital in raw.get("capitals") or []:
                self.add(entry, str(capital), "capital")
            return
        if kind == "weapon" and raw.get("reported_as"):
            self._add_reported_as(raw, name, aliases, source)
            return
        country = raw.get("country")
        entry = Entry(
            kind,
            name,
            code=raw.get("code") or country,
            country=country,
            role=raw.get("role"),
            category=raw.get("category"),
            place_type=raw.get("type"),
            generic=bool(raw.get("generic", False)),
        )
        if kind == "weapon":
            self.weapons[name] = entry
        for alias in [name, *aliases] if kind == "weapon" else aliases:
            self.add(entry, alias)

    def _add_reported_as(
        self, raw: dict[str, Any], name: str, aliases: list[str], source: str
    ) -> None:
        """A system the annotation guidelines report as its class (GUIDELINES §5: Taurus →
        long-range missiles, Bradley → armoured vehicles): its names become names of the class,
        so records and scores see one canonical item."""
        target = self.weapons.get(str(raw["reported_as"]))
        if target is None:
            raise ConfigError(
                f"{source}: weapon {name!r} is reported as {raw['reported_as']!r}, "
                "which no weapon entry names"
            )
        for alias in [name, *aliases]:
            self.add(target, alias)

    # ---- matching -------------------------------------------------------------------------
    def find(self, text: str, norm: NormalizedText | None = None) -> list[Mention]:
        """All non-overlapping mentions in ``text``, longest match first, in text order."""
        norm = norm or normalize_with_map(text)
        words = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(norm.text)]
        found: list[Mention] = []
        starts = self._starts
        i = 0
        while i < len(words):
            if starts.get(words[i][0], True) == ():  # known to start no alias: the common case
                i += 1
                continue
            hit = self._match_at(words, i)
            if hit is None:
                i += 1
                continue
            n, clitic, skip, bucket = hit
            entry, via = bucket[0]
            nstart, nend = words[i][1] + skip, words[i + n - 1][2]
            start, end = norm.to_original(nstart, nend)
            found.append(
                Mention(entry, via, start, end, nstart, nend, text[start:end], clitic, bucket)
            )
            i += n
        return found

    def _match_at(
        self, words: list[tuple[str, int, int]], i: int
    ) -> tuple[int, str, int, tuple[tuple[Entry, Via], ...]] | None:
        """(word count, clitic letters, letters to skip in the surface, entries) of the longest
        alias starting at word i."""
        word = words[i][0]
        variants = self._starts.get(word)
        if variants is None:
            variants = tuple(v for v in clitic_variants(word) if v[0] in self.first_words)
            if len(self._starts) > 200_000:
                self._starts.clear()
            self._starts[word] = variants
        if not variants:
            return None
        longest = min(max(self.first_words[v[0]] for v in variants), len(words) - i)
        for n in range(longest, 0, -1):
            rest = tuple(w for w, _, _ in words[i + 1 : i + n])
            for first, clitic, skip in variants:
                bucket = self.index.get((first, *rest))
                if bucket:
                    return n, clitic, skip, tuple(bucket)
        return None

    def lookup(self, surface: str) -> Mention | None:
        """The entry a free-standing surface string names (as a model wrote it), if any."""
        if surface not in self._lookups:
            if len(self._lookups) > 50_000:
                self._lookups.clear()
            self._lookups[surface] = self._lookup(surface)
        return self._lookups[surface]

    def home_kingdom(self, text: str, norm: NormalizedText, found: list[Mention]) -> list[Mention]:
        """``found`` with the bare word "المملكة" as the kingdom the page is about: the one
        named most often ("وكانت المملكة قد قدمت …" in a Saudi agency's report is Saudi Arabia).
        With no kingdom named, or two named as often, the word names nobody."""
        counts: dict[str, int] = {}
        for m in found:
            state = m.as_country()
            if state is not None and state.code in self.kingdoms:
                counts[state.code] = counts.get(state.code, 0) + 1
        if not counts:
            return found
        ranked = sorted(counts.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] == ranked[1]:
            return found
        home = self.kingdoms[max(counts, key=lambda code: counts[code])]
        # the mentions' spans by start, with the furthest end reached so far: whether one
        # overlaps a hit is a bisection, not a pass over them all
        taken = sorted((m.nstart, m.nend) for m in found)
        taken_starts = [s for s, _ in taken]
        reach = list(accumulate((e for _, e in taken), max))
        extra = []
        for hit in _BARE_KINGDOM.finditer(norm.text):
            # "للمملكة" keeps its written form whole, like "للناتو"; "والمملكة" drops the و
            nstart, nend = hit.start(2) - hit.group(2).startswith("لم"), hit.end(2)
            before = bisect_left(taken_starts, nend)  # the mentions that start before its end
            if before and reach[before - 1] > nstart:
                continue  # "المملكة المتحدة" is a name of its own
            start, end = norm.to_original(nstart, nend)
            clitic = hit.group(1)
            extra.append(
                Mention(
                    home,
                    "context",
                    start,
                    end,
                    nstart,
                    nend,
                    text[start:end],
                    clitic,
                    ((home, "context"),),
                )
            )
        return sorted(found + extra, key=lambda m: m.start) if extra else found

    def _lookup(self, surface: str) -> Mention | None:
        mentions = self.find(surface)
        if not mentions:
            return None
        return min(mentions, key=lambda m: (_PRIORITY[m.entry.kind], -len(m.surface)))


@lru_cache(maxsize=65536)
def clitic_variants(word: str) -> tuple[tuple[str, str, int], ...]:
    """The word and its forms without leading clitics: (form, clitic letters, letters of the
    word to leave out of the surface). "ولأوكرانيا" → ("اوكرانيا", "ول", 2) among others;
    "للناتو" → ("الناتو", "ل", 0): the surface keeps "للناتو" whole."""
    out = [(word, "", 0)]
    w, clitic = word, ""
    if len(w) > 3 and w[0] in "وف":
        w, clitic = w[1:], w[0]
        out.append((w, clitic, 1))
    if len(w) > 4 and w.startswith("لل"):
        out.append(("ال" + w[2:], clitic + "ل", len(clitic)))
    if len(w) > 3 and w[0] in "بلك":
        out.append((w[1:], clitic + w[0], len(clitic) + 1))
    return tuple(out)


def adjective_forms(stem: str) -> list[str]:
    """أمريكي → أمريكي، أمريكيه، أمريكيون … and the same with ال."""
    base = normalize(stem)
    forms = [base + suffix for suffix in _ADJECTIVE_SUFFIXES]
    return forms + ["ال" + f for f in forms]


def _read_yaml(path: Path | Any) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read gazetteer file {path}: {exc}") from exc


def _records(path: Path | Any) -> Iterable[tuple[EntryKind, dict[str, Any]]]:
    data = _read_yaml(path)
    if isinstance(data, dict):
        for key, items in data.items():
            if key not in KINDS:
                raise ConfigError(f"{path}: unknown section {key!r}; use one of {sorted(KINDS)}")
            for item in items or []:
                yield KINDS[key], item
    elif isinstance(data, list):
        stem = Path(str(path)).stem
        kind = next((k for name, k in KINDS.items() if name in stem), None)
        if kind is None:
            raise ConfigError(
                f"{path}: a list file must be named after its kind ({', '.join(KINDS)}), "
                "or hold a mapping of those sections"
            )
        for item in data:
            yield kind, item
    elif data is not None:
        raise ConfigError(f"{path}: expected a list or a mapping of sections")


def _shipped_files() -> list[Any]:
    folder = resources.files("extractor.arabic") / "data" / "gazetteer"
    return sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def load_gazetteer(extra: Sequence[str | Path] = ()) -> Gazetteer:
    """The shipped gazetteer plus the user's extra files (later files add to earlier ones).

    Loaded once per state of its files: the cache is keyed by each file's path, size and
    modification time, so a file edited in a notebook is read again by the next call."""
    files = [*_shipped_files(), *(Path(p) for p in extra)]
    return _load(tuple(str(p) for p in files), tuple(_stamp(p) for p in files))


def _stamp(path: Path | Any) -> tuple[int, int]:
    """Size and modification time of a file (a missing one is reported when it is read)."""
    try:
        stat = Path(str(path)).stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _load(files: tuple[str, ...], stamps: tuple[tuple[int, int], ...]) -> Gazetteer:
    gaz = Gazetteer()
    records = [(kind, raw, path) for path in files for kind, raw in _records(Path(path))]
    # systems reported as a class go last: the class they name may be written after them
    for kind, raw, source in sorted(records, key=lambda r: _reported_as(r[1])):
        gaz.add_record(kind, raw, source)
    return gaz


def _reported_as(raw: Any) -> bool:
    return isinstance(raw, dict) and bool(raw.get("reported_as"))
