"""The DocumentIndex conformance suite: every document index runs it by subclassing
:class:`DocumentIndexConformance` and providing an ``empty_index`` fixture."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.store import DocumentPages
from indexer.documents import DocumentQuery

DOCS = [
    DocumentPages(1, "Datasheet hex bolt DIN 933", "bolt.pdf", "application/pdf", [
        "Hex bolt DIN 933, property class 8.8, zinc plated.",
        "Tightening torque 25 Nm for M8. Salt spray test 480 h without red rust.",
        "",  # an empty page (a picture): not indexed
        "Storage: keep dry. Torque values apply to lightly oiled threads.",
    ]),
    DocumentPages(2, "ISO 9001 certificate", "iso.pdf", "application/pdf", [
        "Certificate of conformity: the quality management system complies with ISO 9001.",
    ]),
    DocumentPages(3, "Care instructions", "care.html", "text/html", [
        "Care instructions\n\nKeep nitrile gloves dry; salt water damages the coating.",
    ]),
    DocumentPages(4, "Déclaration", "fr.txt", "text/plain", [
        "Résistance à la corrosion: très élevée. Größe Ø 8 — Sechskantschraube.",
    ]),
]


def words(q: str) -> tuple[str, ...]:
    return tuple(q.split())


class DocumentIndexConformance:
    @pytest.fixture
    def empty_index(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def index(self, empty_index: Any) -> Any:
        empty_index.rebuild([DOCS[:2], DOCS[2:]])
        return empty_index

    def test_pages_are_counted_without_empty_ones(self, index: Any) -> None:
        assert index.count() == 3 + 1 + 1 + 1

    def test_matching_page_numbers_and_snippets(self, index: Any) -> None:
        result = index.search(DocumentQuery(words=words("salt spray")))
        assert (result.total, result.total_pages) == (1, 1)
        hit = result.hits[0]
        assert (hit.document_id, hit.title, hit.filename) == (1, "Datasheet hex bolt DIN 933",
                                                              "bolt.pdf")
        page = hit.pages[0]
        assert page.page == 2
        marked = [page.snippet[a:b] for a, b in page.highlights]
        assert [m.lower() for m in marked] == ["salt", "spray"]

    def test_every_page_of_a_document_that_matches_best_first(self, index: Any) -> None:
        result = index.search(DocumentQuery(words=("torque",)))
        assert [h.document_id for h in result.hits] == [1]
        assert sorted(p.page for p in result.hits[0].pages) == [2, 4]
        assert result.total_pages == 2 and result.total == 1

    def test_every_word_or_any_word(self, index: Any) -> None:
        assert index.search(DocumentQuery(words=words("salt gloves"))).total == 1
        anyword = index.search(DocumentQuery(words=words("salt certificate"), every_word=False))
        assert {h.document_id for h in anyword.hits} == {1, 2, 3}

    def test_stemming_and_accents(self, index: Any) -> None:
        assert [h.document_id for h in index.search(
            DocumentQuery(words=("tightening",))).hits] == [1]
        assert [h.document_id for h in index.search(
            DocumentQuery(words=("resistance",))).hits] == [4]  # accents folded
        hit = index.search(DocumentQuery(words=("grosse",))).hits  # ß folds to ss
        assert [h.document_id for h in hit] == [4]
        snippet = index.search(DocumentQuery(words=("sechskantschraube",))).hits[0].pages[0]
        assert [snippet.snippet[a:b] for a, b in snippet.highlights] == ["Sechskantschraube"]

    def test_title_matches_rank_higher(self, index: Any) -> None:
        hits = index.search(DocumentQuery(words=("certificate",), every_word=False)).hits
        assert hits[0].document_id == 2

    def test_restricted_to_documents(self, index: Any) -> None:
        q = DocumentQuery(words=("salt",), document_ids=(3,))
        assert [h.document_id for h in index.search(q).hits] == [3]
        assert index.search(DocumentQuery(words=("salt",), document_ids=())).total == 0

    def test_paging_over_documents(self, index: Any) -> None:
        first = index.search(DocumentQuery(words=("salt",), limit=1))
        second = index.search(DocumentQuery(words=("salt",), limit=1, offset=1))
        assert first.total == second.total == 2
        assert {first.hits[0].document_id, second.hits[0].document_id} == {1, 3}

    def test_replace_and_delete(self, index: Any) -> None:
        index.index_changed([DocumentPages(3, "Care", "care.html", "text/html",
                                           ["Wash at 60 degrees."])])
        index.delete([2])
        index.commit()
        assert index.search(DocumentQuery(words=("gloves",))).total == 0
        assert index.search(DocumentQuery(words=("wash",))).hits[0].document_id == 3
        assert index.search(DocumentQuery(words=("iso",))).total == 0
        assert index.count() == 4 + 1 + 1 - 1

    def test_no_words_no_hits(self, index: Any) -> None:
        assert index.search(DocumentQuery(words=("...",))).total == 0
