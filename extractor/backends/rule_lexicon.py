"""The rule backend's trigger vocabularies, read from YAML files a linguist can extend.

Each file in ``extractor/backends/rules_data/`` maps a class name to its entries, written in
ordinary Arabic spelling (the loader normalizes them, so «الإدارة» and «الاداره» are one entry):

``verbs``    ``"قدّم/يقدّم"``: the past and the present (3rd person masculine singular). The loader
             generates the past (قدمت، قدموا، قدما …), the present (تقدم، يقدمون …), the future
             (سيقدم، ستقدم …), the purpose form (ليقدم) and object pronouns (قدمه، يقدمها …).
             Defective verbs (``"التقى/يلتقي"``) get their own endings (التقت، التقيا، يلتقون).
``nouns``    ``"زيارة"``: with the article and the prepositions ب/ل (الزيارة، بالزيارة، للزيارة),
             possessive pronouns (زيارته، زيارتها) and, for nouns without ة, the accusative
             (اتفاقا).
``words``    exact word forms.
``stems``    any word that *begins* with the stem once its clitics (و ف ب ل ك ال) are removed:
             ``"إنساني"`` matches الإنسانية، وللإنسانيين.
``phrases``  several words in a row. Alternatives for one word are separated by ``|``; a word
             ending in ``*`` matches any word beginning with what precedes it; ``…`` allows up
             to three words of anything in between (``…5``: up to five).
``except``   forms the generator must not produce (``قدما`` is "forward", not "they gave").

The class ``not_triggers`` is special: its words never match any class. It holds common words
that read like a clitic plus a trigger form («وزارة» is not و + «زاره», "he visited him").

Every word may carry the conjunctions و/ف in the text. Matching runs on normalized text
(:mod:`extractor.arabic.textnorm`) word by word, so a class never matches half a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from extractor.arabic.textnorm import normalize
from extractor.errors import ConfigError

_TOKEN = re.compile(r"[^\W_]+")
_CONJUNCTIONS = "وف"
# Clitic chains stripped before a stem is compared ("وللإنسانيين" → "انسانيين").
_STEM_PREFIXES = ("بال", "كال", "لل", "ال", "ب", "ل", "ك")
_OBJECTS = ("ه", "ها", "هما", "هم")
_DEFAULT_GAP = 3
_MEMO_SIZE = 20_000  # words remembered per class (and per phrase word)
_KEYS = frozenset({"about", "verbs", "nouns", "words", "stems", "phrases", "except"})


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a class matched: normalized offsets into the searched text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@lru_cache(maxsize=4096)
def tokens_of(n: str) -> tuple[Token, ...]:
    """The words of a normalized text (letters and digits; punctuation separates them)."""
    return tuple(Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(n))


@lru_cache(maxsize=4096)
def words_of(n: str) -> frozenset[str]:
    """The distinct words of a normalized text."""
    return frozenset(t.text for t in tokens_of(n))


def _without_conjunction(word: str) -> tuple[str, ...]:
    if len(word) > 2 and word[0] in _CONJUNCTIONS:
        return (word, word[1:])
    return (word,)


def stem_bases(word: str) -> Iterator[str]:
    """The word, then the word without its clitics (و ف, then ب ل ك ال)."""
    for w in _without_conjunction(word):
        yield w
        for prefix in _STEM_PREFIXES:
            if w.startswith(prefix) and len(w) - len(prefix) >= 2:
                yield w[len(prefix) :]


# ---- generated forms ------------------------------------------------------------------------


def _norm_word(raw: str, where: str) -> str:
    word = normalize(str(raw))
    if not word or not _TOKEN.fullmatch(word):
        raise ConfigError(f"{where}: {raw!r} is not one Arabic word after normalization")
    return word


def _with_objects(forms: Iterable[str]) -> set[str]:
    out = set()
    for f in forms:
        out.add(f)
        if f.endswith("وا"):  # "قدموا" + ه → "قدموه"
            out.update(f[:-1] + o for o in _OBJECTS)
        elif not f.endswith(("ا", "ان", "ون")):
            out.update(f + o for o in _OBJECTS)
    return out


def verb_forms(entry: str, where: str = "verbs") -> set[str]:
    """Forms of a verb given as "past/present" (3rd person masculine singular)."""
    past_raw, _, present_raw = str(entry).partition("/")
    past = _norm_word(past_raw, where)
    forms: set[str] = set()
    if past.endswith("ي") and len(past) > 3:  # التقى → التقت، التقيا، التقوا، التقينا
        base = past[:-1]
        forms |= {past, base + "ت", base + "يا", base + "تا", base + "وا", past + "نا"}
    else:
        forms |= {past, past + "ت", past + "وا", past + "ا", past + "تا", past + "نا"}
    if present_raw.strip():
        present = _norm_word(present_raw, where)
        if not present.startswith("ي") or len(present) < 3:
            raise ConfigError(f"{where}: the present of {entry!r} must start with ي (يقدم)")
        stem = present[1:]
        singular = {p + stem for p in "يتنا"}
        if stem.endswith("ي"):  # يلتقي → يلتقون، يلتقيان
            plural = {p + stem[:-1] + s for p in "يت" for s in ("ون", "وا")}
        else:
            plural = {p + stem + s for p in "يت" for s in ("ون", "وا")}
        dual = {p + stem + "ان" for p in "يت"}
        present_forms = singular | plural | dual
        forms |= present_forms
        forms |= {"س" + f for f in present_forms if not f.startswith("ا")}
        forms |= {"ل" + f for f in present_forms if not f.startswith("ا")}
    return _with_objects(forms)


def noun_forms(entry: str, where: str = "nouns") -> set[str]:
    """A noun as it is written in running text: its number (dual, sound plural), possessive
    pronouns, the article, the prepositions ب/ل/ك before it and (without ة) the accusative.

    «اجتماع» → اجتماعه، اجتماعهما، الاجتماع، للاجتماع، باجتماعه، اجتماعات، الاجتماعين …;
    «زيارة» → زيارته، زيارتها، بزيارة، الزيارتين، زيارات، لزياراته …  The conjunctions و/ف are
    matched on every word already. Number is given to nouns of four letters or more (a short
    noun plus «ان» is too often another word)."""
    noun = _norm_word(entry, where)
    stems = [noun]
    if noun.endswith("ه"):  # ta marbuta: زيارة → زيارت-
        base = noun[:-1] + "ت"
        if len(noun) >= 4:
            stems += [noun[:-1] + "ات", base + "ان", base + "ين"]
        possessed = {base + o for o in _OBJECTS}
    elif noun.endswith(("ا", "ي")):
        possessed = set()
    else:
        if len(noun) >= 4 and not noun.endswith("ات"):
            stems += [noun + "ات", noun + "ان", noun + "ين"]
        possessed = {noun + o for o in _OBJECTS} | {noun + "ا"}  # اتفاقا، هجوما
    for stem in stems[1:]:
        if stem.endswith("ات"):  # زياراته، اجتماعاتهم
            possessed |= {stem + o for o in _OBJECTS}
    bare = set(stems) | possessed
    definite = {"ال" + f for f in stems}
    return (
        bare
        | definite
        | {p + f for p in ("ب", "ل", "ك") for f in bare}
        | {p + f[2:] for p in ("بال", "لل", "كال") for f in definite}
    )


# ---- phrases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """One word of a phrase: exact forms and prefixes (from ``x*``)."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    # word → does it match (the rules ask the same words again and again)
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def matches(self, word: str, blocked: frozenset[str] = frozenset()) -> bool:
        if word in blocked:
            return False
        known = self.memo.get(word)
        if known is None:
            known = any(
                w in self.exact or w.startswith(self.prefixes) for w in _without_conjunction(word)
            )
            if len(self.memo) > _MEMO_SIZE:
                self.memo.clear()  # a bulk run meets an open vocabulary: keep memory bounded
            self.memo[word] = known
        return known


@dataclass(frozen=True)
class _Step:
    word: _Word
    gap: int  # how many words of anything may come before this one


@dataclass(frozen=True)
class Phrase:
    raw: str
    steps: tuple[_Step, ...]

    def match_at(
        self, tokens: tuple[Token, ...], i: int, blocked: frozenset[str] = frozenset()
    ) -> int | None:
        """Index of the token after the phrase when it starts at token i."""
        if not self.steps[0].word.matches(tokens[i].text, blocked):
            return None
        return self._rest(tokens, i + 1, 1, blocked)

    def _rest(
        self, tokens: tuple[Token, ...], j: int, k: int, blocked: frozenset[str]
    ) -> int | None:
        if k == len(self.steps):
            return j
        step = self.steps[k]
        for skip in range(step.gap + 1):
            at = j + skip
            if at >= len(tokens):
                return None
            if step.word.matches(tokens[at].text, blocked):
                found = self._rest(tokens, at + 1, k + 1, blocked)
                if found is not None:
                    return found
        return None


def parse_phrase(raw: str, where: str = "phrases") -> Phrase:
    steps: list[_Step] = []
    gap = 0
    for part in str(raw).split():
        if part.startswith("…") or part.startswith("..."):
            digits = part.lstrip("….")
            gap = int(digits) if digits else _DEFAULT_GAP
            continue
        exact: set[str] = set()
        prefixes: list[str] = []
        for alt in part.split("|"):
            if alt.endswith("*"):
                prefixes.append(_norm_word(alt[:-1], where))
            else:
                exact.add(_norm_word(alt, where))
        steps.append(_Step(_Word(frozenset(exact), tuple(prefixes)), gap))
        gap = 0
    if not steps or steps[0].gap:
        raise ConfigError(f"{where}: phrase {raw!r} must start with a word")
    if gap:
        raise ConfigError(f"{where}: phrase {raw!r} must end with a word")
    return Phrase(str(raw), tuple(steps))


# ---- a class --------------------------------------------------------------------------------


@dataclass
class WordClass:
    """One named vocabulary: the forms it matches and its phrases."""

    name: str
    about: str = ""
    forms: frozenset[str] = frozenset()
    stems: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    # what the file says, entry by entry (for the lint test): (section, raw entry, its forms)
    entries: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)
    blocked: frozenset[str] = frozenset()  # words that are never triggers (class not_triggers)
    _memo: dict[str, bool] = field(default_factory=dict, repr=False)
    # the words a match can start at (a form, a stem or a phrase's first word) and those it
    # cannot: most texts hold none of the first, and one set operation tells so
    _starts: set[str] = field(default_factory=set, repr=False)
    _never: set[str] = field(default_factory=set, repr=False)

    def has(self, word: str) -> bool:
        """Is ``word`` (normalized, one word) one of the class's forms, as written?"""
        return word in self.forms

    def has_word(self, word: str) -> bool:
        """Like :meth:`has`, also through a و/ف conjunction and the class's stems."""
        return self._word_matches(word)

    def _word_matches(self, word: str) -> bool:
        known = self._memo.get(word)
        if known is None:
            known = word not in self.blocked and (
                any(w in self.forms for w in _without_conjunction(word))
                or bool(self.stems and any(b.startswith(self.stems) for b in stem_bases(word)))
            )
            if len(self._memo) > _MEMO_SIZE:
                self._memo.clear()
            self._memo[word] = known
        return known

    def _may_match(self, n: str) -> bool:
        """Does normalized text ``n`` hold a word a match can start at? (One set test for the
        words met before; each new word is judged once.)"""
        words = words_of(n)
        starts, never = self._starts, self._never
        if words <= never:  # the common answer, with no set made
            return False
        if len(never) > _MEMO_SIZE:  # a bulk run meets an open vocabulary: start again
            starts.clear()
            never.clear()
        for word in words - never - starts:  # every word is judged before the text is read
            can = self._word_matches(word) or any(
                p.steps[0].word.matches(word, self.blocked) for p in self.phrases
            )
            (starts if can else never).add(word)
        return not starts.isdisjoint(words)

    def finditer(self, n: str) -> Iterator[Hit]:
        """Every match in normalized text ``n``, in order, not overlapping."""
        if not self._may_match(n):
            return
        tokens = tokens_of(n)
        starts = self._starts
        i = 0
        while i < len(tokens):
            if tokens[i].text not in starts:
                i += 1
                continue
            end = None
            for phrase in self.phrases:
                if not phrase.steps[0].word.matches(tokens[i].text, self.blocked):
                    continue
                found = phrase.match_at(tokens, i, self.blocked)
                if found is not None and (end is None or found > end):
                    end = found
            if end is None and self._word_matches(tokens[i].text):
                end = i + 1
            if end is None:
                i += 1
                continue
            yield Hit(tokens[i].start, tokens[end - 1].end)
            i = end

    def search(self, n: str) -> Hit | None:
        """The first match in normalized text ``n`` (None when the class is not there)."""
        return next(self.finditer(n), None)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.forms


def build_class(name: str, raw: dict[str, Any], source: str) -> WordClass:
    where = f"{source}: {name}"
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; use {sorted(_KEYS)}")
    excluded = {_norm_word(x, where) for x in raw.get("except") or []}
    entries: list[tuple[str, str, frozenset[str]]] = []
    forms: set[str] = set()
    for section, make in (("verbs", verb_forms), ("nouns", noun_forms)):
        for entry in raw.get(section) or []:
            made = frozenset(make(entry, f"{where}.{section}") - excluded)
            entries.append((section, str(entry), made))
            forms |= made
    for entry in raw.get("words") or []:
        word = _norm_word(entry, f"{where}.words")
        entries.append(("words", str(entry), frozenset({word})))
        forms.add(word)
    stems = []
    for entry in raw.get("stems") or []:
        stem = _norm_word(entry, f"{where}.stems")
        entries.append(("stems", str(entry), frozenset({stem})))
        stems.append(stem)
    phrases = []
    for entry in raw.get("phrases") or []:
        phrase = parse_phrase(entry, f"{where}.phrases")
        entries.append(("phrases", str(entry), frozenset()))
        phrases.append(phrase)
    return WordClass(
        name=name,
        about=str(raw.get("about") or ""),
        forms=frozenset(forms),
        stems=tuple(stems),
        phrases=tuple(phrases),
        entries=entries,
    )


NOT_TRIGGERS = "not_triggers"


class Lexicon:
    """All classes of the shipped files (and a user's extra files), by name."""

    def __init__(self, classes: dict[str, WordClass], sources: dict[str, str]) -> None:
        self.classes = classes
        self.sources = sources  # class name → file it came from
        # plain attributes: the rules read "lex.phone" hundreds of thousands of times
        self.__dict__.update({k: v for k, v in classes.items() if k not in ("classes", "sources")})
        blocked = classes.get(NOT_TRIGGERS)
        if blocked is not None:
            for cls in classes.values():
                if cls is not blocked:
                    cls.blocked = blocked.forms

    def __getattr__(self, name: str) -> WordClass:  # every class is an attribute (__init__)
        raise AttributeError(f"no trigger class {name!r} in the rules data")

    def __getitem__(self, name: str) -> WordClass:
        return self.classes[name]


def data_files() -> list[Any]:
    folder = resources.files("extractor.backends") / "rules_data"
    return sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def read_file(path: Any) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read rules data file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of class name → entries")
    return data


@lru_cache(maxsize=4)
def load_lexicon(extra: tuple[str, ...] = ()) -> Lexicon:
    """The shipped trigger classes; a later file's class of the same name replaces the earlier."""
    classes: dict[str, WordClass] = {}
    sources: dict[str, str] = {}
    for path in [*data_files(), *(Path(p) for p in extra)]:
        name = Path(str(path)).name
        for cls_name, raw in read_file(path).items():
            if not isinstance(raw, dict):
                raise ConfigError(f"{name}: class {cls_name!r} must be a mapping")
            classes[str(cls_name)] = build_class(str(cls_name), raw, name)
            sources[str(cls_name)] = name
    return Lexicon(classes, sources)


# ---- lint --------------------------------------------------------------------------------------


def _samples(section: str, raw: str, forms: frozenset[str]) -> list[str]:
    """Texts an entry must match: each generated form, a stem with clitics, a phrase's words."""
    if section == "phrases":
        words = []
        for step in parse_phrase(raw).steps:
            exact = sorted(step.word.exact)
            words.append(exact[0] if exact else step.word.prefixes[0] + "ات")
        return [" ".join(words)]
    if section == "stems":
        (stem,) = forms
        return [stem, "ال" + stem + "ات", "و" + stem]
    return sorted(forms)


def lint_class(cls: WordClass, source: str = "") -> list[str]:
    """What is wrong with one class: entries that can never match, or repeat another."""
    where = f"{source}: {cls.name}" if source else cls.name
    problems: list[str] = []
    if cls.name == NOT_TRIGGERS:
        return problems
    for section, raw, forms in cls.entries:
        if section != "phrases" and not forms:
            problems.append(f"{where}.{section}: {raw!r} generates no form (all excluded?)")
        for sample in _samples(section, raw, forms):
            if cls.search(normalize(f"قال المسؤول {sample} أمس")) is None:
                problems.append(f"{where}.{section}: {raw!r} can never match ({sample!r})")
    seen: dict[tuple[str, str], str] = {}
    for section, raw, _forms in cls.entries:
        key = (section, " ".join(normalize(raw).split()))
        if key in seen:
            problems.append(f"{where}.{section}: {raw!r} repeats {seen[key]!r}")
        seen.setdefault(key, raw)
    generated = set().union(*(f for s, _, f in cls.entries if s in ("verbs", "nouns")))
    for section, raw, forms in cls.entries:
        if section != "words":
            continue
        (form,) = forms
        if form in generated:
            problems.append(f"{where}.words: {raw!r} is generated by a verb or noun already")
        if len(form) > 3 and form[0] in _CONJUNCTIONS and form[1:] in cls.forms:
            problems.append(
                f"{where}.words: {raw!r} is {form[1:]!r} with a conjunction "
                "(و/ف are matched on every word already)"
            )
    short = [s for s in cls.stems if len(s) < 3]
    if short:
        problems.append(f"{where}.stems: {short} are too short to mean something")
    return problems


def lint(lexicon: Lexicon) -> list[str]:
    """Every problem of every class (an empty list when the data files are sound)."""
    problems: list[str] = []
    for name, cls in sorted(lexicon.classes.items()):
        problems += lint_class(cls, lexicon.sources.get(name, ""))
    blocked = lexicon.classes.get(NOT_TRIGGERS)
    for word in sorted(blocked.forms if blocked else ()):
        for name, cls in sorted(lexicon.classes.items()):
            if name != NOT_TRIGGERS and cls.search(word) is not None:
                problems.append(f"{NOT_TRIGGERS}: {word!r} still matches {name}")
    return problems


__all__ = [
    "NOT_TRIGGERS",
    "Hit",
    "Lexicon",
    "Phrase",
    "Token",
    "WordClass",
    "build_class",
    "lint",
    "lint_class",
    "load_lexicon",
    "noun_forms",
    "parse_phrase",
    "stem_bases",
    "tokens_of",
    "verb_forms",
]


if __name__ == "__main__":  # python -m extractor.backends.rule_lexicon [extra.yaml …]
    import sys

    found = lint(load_lexicon(tuple(sys.argv[1:])))
    print("\n".join(found) or "rules data: no problems")
    raise SystemExit(1 if found else 0)
