"""Cross-article linking (extractor/link.py): hand-built records with exact expectations, and
invariants on real rule-backend records of the dev and test gold documents."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import pytest

from extractor import Extractor, load_documents
from extractor.schemas import Actor, DateValue, EventRecord, Evidence, Location, Money, Provenance
from extractor.tools.link import (
    LinkedRecord,
    cluster_id,
    date_interval,
    link_file,
    link_records,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent
GOLD_DOCS = [ROOT / "gold" / "dev.docs.jsonl", ROOT / "gold" / "test.docs.jsonl"]

_NAMES = {"USA": "United States", "UKR": "Ukraine", "RUS": "Russia", "DEU": "Germany"}


def _actor(code: str) -> Actor:
    return Actor(surface=code, name=_NAMES.get(code, code), kind="country", country=code, code=code)


def rec(
    event_id: str,
    doc_id: str,
    quote: str,
    *,
    event_type: str = "aid",
    actors: tuple[str, ...] = ("USA",),
    targets: tuple[str, ...] = ("UKR",),
    money: tuple[tuple[float, str, bool], ...] = (),
    day: str | None = "2024-05-10",
    stage: str | None = "announced",
    modality: str = "asserted",
    location: str | None = None,
) -> EventRecord:
    """A record as the pipeline would emit it, with only what linking looks at filled in."""
    return EventRecord(
        event_id=event_id,
        doc_id=doc_id,
        segment_id=0,
        event_type=event_type,  # type: ignore[arg-type]
        evidence=Evidence(quote=quote, start=0, end=len(quote), alignment="exact"),
        actors=[_actor(c) for c in actors],
        targets=[_actor(c) for c in targets],
        date=DateValue(surface=day, value=day, precision="day") if day else None,
        location=Location(surface=location, name=location) if location else None,
        modality=modality,  # type: ignore[arg-type]
        stage=stage if event_type == "aid" else None,  # type: ignore[arg-type]
        money=[
            Money(surface=f"{a} {c}", amount=a, currency=c, cumulative=cum) for a, c, cum in money
        ],
        provenance=Provenance(backend="test"),
    )


def clusters_of(linked: list[LinkedRecord]) -> dict[str, str]:
    return {lr.record.event_id: lr.cluster_id for lr in linked}


def groups(linked: list[LinkedRecord]) -> set[frozenset[str]]:
    by: dict[str, set[str]] = defaultdict(set)
    for lr in linked:
        by[lr.cluster_id].add(lr.record.event_id)
    return {frozenset(v) for v in by.values()}


USD_125M = ((125_000_000.0, "USD", False),)
USD_250M = ((250_000_000.0, "USD", False),)

# Two outlets, two wordings, one $125m package; dates 2 days apart.
PKG_A = rec(
    "a1",
    "doc_a",
    "أعلنت وزارة الدفاع الأمريكية حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 125 مليون دولار",
    money=USD_125M,
    day="2024-05-10",
)
PKG_B = rec(
    "b1",
    "doc_b",
    "كشف البنتاغون عن أسلحة لكييف تشمل ذخائر هيمارس وقذائف مدفعية بـ125 مليون دولار",
    money=USD_125M,
    day="2024-05-12",
)
PKG_250 = rec(
    "c1",
    "doc_c",
    "أعلنت وزارة الدفاع الأمريكية حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 250 مليون دولار",
    money=USD_250M,
    day="2024-05-11",
)
CUMULATIVE = rec(
    "d1",
    "doc_d",
    "وبذلك يرتفع إجمالي المساعدات الأمريكية لأوكرانيا إلى 55 مليار دولار منذ عام 2022",
    money=((55_000_000_000.0, "USD", True),),
    day="2024-05-11",
)


# ---- pairs --------------------------------------------------------------------------------------


def test_same_package_in_two_articles_is_one_cluster() -> None:
    linked = link_records([PKG_A, PKG_B])
    assert groups(linked) == {frozenset({"a1", "b1"})}
    assert linked[0].cluster_id == cluster_id("a1")


def test_different_amounts_never_link_even_with_near_identical_quotes() -> None:
    linked = link_records([PKG_A, PKG_250])
    assert groups(linked) == {frozenset({"a1"}), frozenset({"c1"})}


def test_package_dates_far_apart_do_not_link() -> None:
    late = PKG_B.model_copy(update={"date": DateValue(surface="x", value="2024-06-20")})
    assert groups(link_records([PKG_A, late])) == {frozenset({"a1"}), frozenset({"b1"})}


def test_cumulative_money_is_not_a_package_amount() -> None:
    """A running total shares no package amount with anything, so it links by words only."""
    linked = link_records([PKG_A, PKG_B, CUMULATIVE])
    assert groups(linked) == {frozenset({"a1", "b1"}), frozenset({"d1"})}


def test_attack_on_kyiv_reported_twice_is_one_cluster() -> None:
    first = rec(
        "k1",
        "doc_k1",
        "شنت روسيا فجر اليوم هجوما واسعا بالصواريخ والطائرات المسيرة على العاصمة الأوكرانية كييف "
        "أسفر عن مقتل 12 شخصا",
        event_type="attack",
        actors=("RUS",),
        day="2024-07-08",
        location="Kyiv",
    )
    second = rec(
        "k2",
        "doc_k2",
        "هجوم روسي واسع بالصواريخ والطائرات المسيرة على العاصمة الأوكرانية كييف فجر اليوم أسفر "
        "عن مقتل 12 شخصا وإصابة العشرات",
        event_type="attack",
        actors=("RUS",),
        day="2024-07-08",
        location="Kyiv",
    )
    other_day = second.model_copy(
        update={
            "event_id": "k3",
            "doc_id": "doc_k3",
            "date": DateValue(surface="x", value="2024-07-12"),
        }
    )
    other_city = second.model_copy(
        update={
            "event_id": "k4",
            "doc_id": "doc_k4",
            "location": Location(surface="لفيف", name="Lviv"),
        }
    )
    # By wording alone: without a place there is no structured anchor.
    unplaced = second.model_copy(update={"location": None})
    assert groups(link_records([first, unplaced])) == {frozenset({"k1", "k2"})}
    linked = link_records([first, second, other_day, other_city])
    assert groups(linked) == {
        frozenset({"k1", "k2"}),
        frozenset({"k3"}),
        frozenset({"k4"}),
    }


def test_same_document_records_stay_apart_unless_near_identical() -> None:
    twin = PKG_B.model_copy(update={"event_id": "a2", "doc_id": "doc_a"})
    assert groups(link_records([PKG_A, twin])) == {frozenset({"a1"}), frozenset({"a2"})}
    copy = PKG_A.model_copy(update={"event_id": "a3"})
    assert groups(link_records([PKG_A, copy])) == {frozenset({"a1", "a3"})}


def test_negated_aid_does_not_link_with_asserted_aid() -> None:
    denied = PKG_B.model_copy(update={"modality": "negated"})
    assert groups(link_records([PKG_A, denied])) == {frozenset({"a1"}), frozenset({"b1"})}


def test_requested_and_delivered_aid_do_not_link() -> None:
    asked = PKG_B.model_copy(update={"stage": "requested"})
    assert groups(link_records([PKG_A, asked])) == {frozenset({"a1"}), frozenset({"b1"})}


# ---- transitivity and order --------------------------------------------------------------------


def test_transitivity_joins_a_chain() -> None:
    """A~B and B~C by wording; A and C alone share too little to link, yet end in one cluster."""
    a = rec(
        "t1",
        "doc_t1",
        "أعلنت الولايات المتحدة حزمة مساعدات عسكرية جديدة لأوكرانيا تشمل صواريخ للدفاع الجوي",
        money=(),
    )
    b = rec(
        "t2",
        "doc_t2",
        "أعلنت الولايات المتحدة حزمة مساعدات عسكرية جديدة لأوكرانيا تشمل صواريخ للدفاع الجوي "
        "وذخائر مدفعية وعربات مدرعة",
        money=(),
    )
    c = rec(
        "t3",
        "doc_t3",
        "حزمة مساعدات عسكرية جديدة لأوكرانيا تشمل ذخائر مدفعية وعربات مدرعة",
        money=(),
    )
    assert groups(link_records([a, c])) == {frozenset({"t1"}), frozenset({"t3"})}
    assert groups(link_records([a, b])) == {frozenset({"t1", "t2"})}
    assert groups(link_records([b, c])) == {frozenset({"t2", "t3"})}
    assert groups(link_records([a, b, c])) == {frozenset({"t1", "t2", "t3"})}


def test_transitivity_never_joins_two_amounts() -> None:
    """A report naming $175m and $206m links each single-amount report, but never both."""
    both = rec(
        "m1",
        "doc_m1",
        "حزمة أمريكية بقيمة 175 مليون دولار و206 ملايين دولار",
        money=((175e6, "USD", False), (206e6, "USD", False)),
    )
    m175 = rec("m2", "doc_m2", "حزمة أسلحة بـ175 مليون دولار", money=((175e6, "USD", False),))
    m206 = rec("m3", "doc_m3", "مساعدات إنسانية بـ206 ملايين دولار", money=((206e6, "USD", False),))
    found = groups(link_records([both, m175, m206]))
    assert len(found) == 2
    assert frozenset({"m2", "m3"}) not in found
    assert not any({"m2", "m3"} <= g for g in found)


def test_a_cluster_id_comes_from_its_earliest_member() -> None:
    records = [PKG_A, PKG_B, PKG_250, CUMULATIVE]
    ids = clusters_of(link_records(records))
    assert ids["a1"] == ids["b1"] == cluster_id("a1")
    assert ids["c1"] == cluster_id("c1")
    # another order may name a cluster after another member, never split or join differently
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        linked = link_records(shuffled)
        assert [lr.record.event_id for lr in linked] == [r.event_id for r in shuffled]
        assert groups(linked) == groups(link_records(records))


def _commitments(linked: list[LinkedRecord]) -> dict[str, str | None]:
    return {lr.record.event_id: lr.record.commitment_id for lr in linked}


def test_linking_a_then_a_and_b_keeps_every_id_of_a(tmp_path: Path) -> None:
    announced = rec("a1", "doc_a", "واشنطن تعلن حزمة بقيمة 125 مليون دولار", money=USD_125M)
    announced_again = rec(
        "a2",
        "doc_b",
        "أعلنت الولايات المتحدة حزمة جديدة لأوكرانيا بـ125 مليون دولار",
        money=USD_125M,
    )
    strike = rec(
        "a3",
        "doc_b",
        "قصف روسي على كييف",
        event_type="attack",
        actors=("RUS",),
        location="Kyiv",
        day="2024-05-11",
    )
    a = [announced, announced_again, strike]
    # B: the same package delivered (another stage, a later article), another report of the
    # strike, and a report that could tie A's package to a second one (it must not merge them)
    delivered = rec(
        "b1",
        "doc_c",
        "وصلت إلى أوكرانيا أسلحة الحزمة الأمريكية البالغة 125 مليون دولار",
        money=USD_125M,
        day="2024-06-20",
        stage="delivered",
    )
    strike_again = rec(
        "b2",
        "doc_d",
        "قصف روسي على كييف فجر اليوم",
        event_type="attack",
        actors=("RUS",),
        location="Kyiv",
        day="2024-05-11",
    )
    b = [delivered, strike_again, rec("b3", "doc_e", "حزمة بقيمة 250 مليون دولار", money=USD_250M)]

    first = link_records(a)
    both = link_records(a + b)
    assert clusters_of(both)["a1"] == clusters_of(first)["a1"] == cluster_id("a1")
    for eid in ("a1", "a2", "a3"):
        assert clusters_of(both)[eid] == clusters_of(first)[eid]
        assert _commitments(both)[eid] == _commitments(first)[eid]
    assert clusters_of(both)["b2"] == clusters_of(first)["a3"]  # joined A's strike
    assert _commitments(both)["b1"] == _commitments(first)["a1"]  # a later stage of A's package
    assert clusters_of(both)["b1"] != clusters_of(both)["a1"]  # … reported as its own event
    assert _commitments(both)["b3"] != _commitments(first)["a1"]

    # A file written by extractor link, linked again with B: every id of it is kept
    linked_a = tmp_path / "a.linked.jsonl"
    raw_a = tmp_path / "a.jsonl"
    raw_b = tmp_path / "b.jsonl"
    raw_a.write_text("".join(r.model_dump_json() + "\n" for r in a), encoding="utf-8")
    raw_b.write_text("".join(r.model_dump_json() + "\n" for r in b), encoding="utf-8")
    link_file(raw_a, linked_a)
    again = tmp_path / "ab.linked.jsonl"
    link_file([linked_a, raw_b], again)
    before = {
        json.loads(x)["event_id"]: json.loads(x) for x in linked_a.read_text("utf-8").splitlines()
    }
    after = {
        json.loads(x)["event_id"]: json.loads(x) for x in again.read_text("utf-8").splitlines()
    }
    for eid, row in before.items():
        assert (after[eid]["cluster_id"], after[eid]["commitment_id"]) == (
            row["cluster_id"],
            row["commitment_id"],
        )
    assert after["b1"]["commitment_id"] == before["a1"]["commitment_id"]


def test_one_articles_stages_share_their_commitment_across_articles() -> None:
    house = rec(
        "h1",
        "doc_h",
        "وافق مجلس النواب على 61 مليار دولار",
        money=((61e9, "USD", False),),
        stage="approved",
        day="2024-04-20",
    )
    signed = rec("h2", "doc_h", "ووقع بايدن على الحزمة", stage="approved", day="2024-04-24")
    house.commitment_id = signed.commitment_id = "k-house"
    elsewhere = rec("x1", "doc_x", "بايدن يوقع قانون المساعدات", stage="approved", day="2024-04-24")
    elsewhere.commitment_id = "k-x"
    linked = link_records([house, signed, elsewhere])
    assert {lr.record.commitment_id for lr in linked[:2]} == {"k-house"}


# ---- summary ------------------------------------------------------------------------------------


def test_totals_count_each_cluster_once_and_skip_cumulative() -> None:
    third = rec(
        "e1",
        "doc_e",
        "واشنطن تعلن حزمة أسلحة لكييف بقيمة 125 مليون دولار",
        money=USD_125M + ((55_000_000_000.0, "USD", True),),
        day="2024-05-11",
    )
    asked = rec(
        "f1",
        "doc_f",
        "طلبت أوكرانيا من الولايات المتحدة مليار دولار إضافية",
        money=((1e9, "USD", False),),
        stage="requested",
    )
    summary = summarize(link_records([PKG_A, PKG_B, third, PKG_250, CUMULATIVE, asked]))
    assert summary["records"] == 6
    assert summary["clusters"] == 4
    assert summary["multi_report_clusters"] == 1
    assert summary["money_totals"] == [
        {"donor": "USA", "currency": "USD", "amount": 375_000_000.0, "commitments": 2}
    ]
    assert summary["cumulative_reported"] == [
        {"donor": "USA", "currency": "USD", "amount": 55_000_000_000.0, "reports": 2}
    ]
    top = summary["cluster_rows"][0]
    assert top == {
        "cluster_id": cluster_id("a1"),
        "event_type": "aid",
        "stage": "announced",
        "actors": ["USA"],
        "targets": ["UKR"],
        "money": [{"amount": 125_000_000.0, "currency": "USD"}],
        "first_date": "2024-05-10",
        "reports": 3,
        "doc_ids": ["doc_a", "doc_b", "doc_e"],
        "event_ids": ["a1", "b1", "e1"],
        "summary_en": None,
    }
    json.dumps(summary)  # JSON-ready


def test_date_interval_covers_precisions() -> None:
    assert date_interval("2025-03-18") is not None
    assert [d.isoformat() for d in date_interval("2025-03")] == ["2025-03-01", "2025-03-31"]  # type: ignore[union-attr]
    assert [d.isoformat() for d in date_interval("2025-W12")] == ["2025-03-17", "2025-03-23"]  # type: ignore[union-attr]
    assert [d.isoformat() for d in date_interval("2024")] == ["2024-01-01", "2024-12-31"]  # type: ignore[union-attr]
    assert date_interval("2025-02-30") is None
    assert date_interval(None) is None


def test_link_file_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text(
        "".join(r.model_dump_json() + "\n" for r in [PKG_A, PKG_B, PKG_250]), encoding="utf-8"
    )
    out = tmp_path / "linked.jsonl"
    summary = link_file(src, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert "125 مليون" in lines[0]  # ensure_ascii=False
    rows = [json.loads(line) for line in lines]
    assert [r["event_id"] for r in rows] == ["a1", "b1", "c1"]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"] != rows[2]["cluster_id"]
    back = LinkedRecord.from_row(rows[0]).record
    assert back.commitment_id == rows[1]["commitment_id"] != rows[2]["commitment_id"]
    assert back.model_copy(update={"commitment_id": None}) == PKG_A
    assert summary["clusters"] == 2


# ---- real records -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = Extractor(backend="rules").extract_many(load_documents(GOLD_DOCS))
    assert not result.failures
    path = tmp_path_factory.mktemp("link") / "events.jsonl"
    path.write_text("".join(r.model_dump_json() + "\n" for r in result.events), encoding="utf-8")
    return path


def test_link_file_on_gold_documents(gold_events: Path, tmp_path: Path) -> None:
    source = [json.loads(line) for line in gold_events.read_text(encoding="utf-8").splitlines()]
    first = link_file(gold_events, tmp_path / "one.jsonl")
    second = link_file(gold_events, tmp_path / "two.jsonl")
    assert first == second
    one = [json.loads(x) for x in (tmp_path / "one.jsonl").read_text("utf-8").splitlines()]
    two = [json.loads(x) for x in (tmp_path / "two.jsonl").read_text("utf-8").splitlines()]
    assert one == two

    # Every record kept, in order, unchanged apart from the cluster and commitment ids.
    assert len(one) == len(source) == first["records"]
    ids = ("cluster_id", "commitment_id")
    for row, src in zip(one, source, strict=True):
        assert {k: v for k, v in row.items() if k not in ids} == {
            k: v for k, v in src.items() if k not in ids
        }
        # an article's package keeps its id, or takes the id of the package it joined
        assert (row["commitment_id"] is None) == (src["commitment_id"] is None)

    # Shuffled input, same clusters (their ids may name another member).
    shuffled = source[:]
    random.Random(7).shuffle(shuffled)
    back = link_records([EventRecord.model_validate(r) for r in shuffled])
    assert groups(back) == groups([LinkedRecord.from_row(r) for r in one])

    # No cluster mixes event types; records of one document share a cluster only as copies.
    members: dict[str, list[dict]] = defaultdict(list)
    for row in one:
        members[row["cluster_id"]].append(row)
    for cid, rows in members.items():
        assert cid == cluster_id(rows[0]["event_id"])
        assert len({r["event_type"] for r in rows}) == 1
        docs = [r["doc_id"] for r in rows]
        if len(set(docs)) < len(docs):
            assert len({r["evidence"]["quote"] for r in rows}) < len(rows)
    assert first["clusters"] == len(members)
    assert sum(c["reports"] for c in first["cluster_rows"]) == len(one)

    # Totals never include cumulative money.
    cumulative = {m["amount"] for r in source for m in r["money"] if m["cumulative"]}
    package = {m["amount"] for r in source for m in r["money"] if not m["cumulative"]}
    counted = {t["amount"] for t in first["money_totals"] if t["commitments"] == 1}
    assert not (counted & (cumulative - package))
