"""Turn articles into sparse features: hashed word n-grams, title words, and language-neutral cues.

Hashing needs no vocabulary to fit or store and costs little per item; the cue tokens from
`lexicon` let Dutch, French and German items share weights with English ones. Title words get their
own features because a headline names the incident while a lede often adds context (talks, trials)
that should not outweigh it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.facts import read_facts
from classifiers.lexicon import CUES, find_cues
from classifiers.numbers import NUMBER_WORDS
from classifiers.types import Article

WORD_FEATURES: Final = 2**18
TITLE_FEATURES: Final = 2**16
_TOKEN: Final = re.compile(r"\w+")
_CUE_CONCEPTS: Final = tuple(CUES)
_INDEX: Final = {c: i for i, c in enumerate(_CUE_CONCEPTS)}


_SENTENCE_END: Final = re.compile(r"(?<=[a-z0-9)])[.!?](?:\s|$)")


def headline(article: Article) -> str:
    """The title, or when a source gives none (analyst summaries, some feeds) the first sentence
    of the summary: the model leans on headline features, and an item without them would look
    like none of the training items."""
    title = article.title.strip()
    if title:
        return title
    summary = article.summary.strip()
    match = _SENTENCE_END.search(summary, 0, 300)
    return summary[: match.start()] if match else summary[:200]


def lead(article: Article) -> str:
    """The title and the first sentence of the summary: where a report names its victim.

    A role named further down is mostly a source or an investigating officer ("Superintendent of
    Police X said"), not the person the attack was aimed at."""
    summary = article.summary.strip()
    match = _SENTENCE_END.search(summary, 0, 300)
    first = summary[: match.start()] if match else summary[:200]
    return f"{article.title.strip()}. {first}"


def _count_tokens(text: str) -> list[str]:
    # Lower-cased word tokens, with counts (digits or words) as one token "0".
    return ["0" if t[0].isdigit() or t in NUMBER_WORDS else t for t in _TOKEN.findall(text.lower())]


def _body_tokens(article: Article, title_tokens: list[str] | None) -> list[str]:
    # Counts become one token, in digits or words, so that "12 killed", "40 killed" and "vier doden"
    # share features: the category does not depend on the count (severity reads it separately).
    # A title's tokens are the body's first ones: word tokens never span the space between them.
    head = title_tokens if title_tokens is not None else _count_tokens(article.title)
    return head + _count_tokens(article.summary)


def _words_and_pairs(tokens: list[str]) -> list[str]:
    """Word unigrams and bigrams, the strings HashingVectorizer's word analyzer would hash."""
    return [*tokens, *(f"{a} {b}" for a, b in pairwise(tokens))]


def _title_words(tokens: list[str]) -> list[str]:
    """Title unigrams of two characters or more ("0", a count, is left to the body features)."""
    return [t for t in tokens if len(t) > 1]


_YEAR: Final = re.compile(r"\b(?:19[0-9]{2}|20[0-9]{2})\b")
FACT_NAMES: Final = (
    "killed_1_2", "killed_3_9", "killed_10_plus", "death_word", "injured", "kidnapped",
    "victim", "target", "official", "violent", "unharmed", "year_named",
)
N_DENSE: Final = 2 * len(_CUE_CONCEPTS) + len(FACT_NAMES)


def dense_row(article: Article) -> np.ndarray:
    """Cue concepts in the headline and in the summary, then facts as severity reads them.

    Facts are features too: a count of dead next to a verb is strong evidence of an incident, a
    year named is evidence of a story about an old one.
    """
    row = np.zeros(N_DENSE, dtype=np.float64)
    title = headline(article)
    title_cues = find_cues(title.lower())
    body_cues = find_cues(article.summary.lower())
    for concept, _ in title_cues:
        row[_INDEX[concept]] = 1.0
    offset = len(_CUE_CONCEPTS)
    for concept, _ in body_cues:
        row[offset + _INDEX[concept]] += 1.0
    row[: 2 * offset] = np.log1p(row[: 2 * offset])
    hits: dict[str, str] = {}
    for concept, text in (*title_cues, *body_cues):
        hits.setdefault(concept, text)
    facts = read_facts(title, article.summary, hits, language=article.language)
    killed = facts.killed or 0
    row[2 * offset :] = (
        1 <= killed <= 2, 3 <= killed <= 9, killed >= 10, facts.death_mentioned,
        facts.injury_mentioned, facts.kidnapped is not None, facts.victim is not None,
        facts.target is not None, facts.official is not None, facts.violent is not None,
        facts.unharmed, _YEAR.search(f"{article.title} {article.summary}") is not None,
    )
    return row


def _hasher(n_features: int, analyzer: Callable[[list[str]], list[str]]) -> HashingVectorizer:
    """Hashed, l2-normed counts of the strings an analyzer makes of a token list."""
    return HashingVectorizer(
        n_features=n_features, analyzer=analyzer, alternate_sign=False, norm="l2", dtype=np.float32
    )


class ArticleFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless: fit does nothing, so the same articles always give the same matrix."""

    def __init__(
        self, title_weight: float = 1.0, cue_weight: float = 1.0, fact_weight: float = 1.0
    ) -> None:
        self.title_weight = title_weight
        self.cue_weight = cue_weight
        self.fact_weight = fact_weight

    def _words(self) -> HashingVectorizer:
        return _hasher(WORD_FEATURES, _words_and_pairs)

    def _titles(self) -> HashingVectorizer:
        return _hasher(TITLE_FEATURES, _title_words)

    def fit(self, articles: Sequence[Article], y: Any = None) -> ArticleFeatures:
        return self

    def transform(self, articles: Sequence[Article]) -> sp.csr_matrix:
        # Each text is tokenised once here, not again by each vectorizer: the vectorizers get
        # token lists and only hash them.
        title_tokens = [_count_tokens(headline(a)) for a in articles]
        body_tokens = [
            _body_tokens(a, tokens if a.title.strip() else None)
            for a, tokens in zip(articles, title_tokens, strict=True)
        ]
        words = self._words().transform(body_tokens)
        titles = self._titles().transform(title_tokens)
        dense = np.vstack([dense_row(a) for a in articles]) if articles else np.zeros(
            (0, N_DENSE)
        )
        offset = 2 * len(_CUE_CONCEPTS)
        dense[:, :offset] *= self.cue_weight
        dense[:, offset:] *= self.fact_weight
        blocks = [words, titles * self.title_weight, sp.csr_matrix(dense, dtype=np.float32)]
        return sp.hstack(blocks, format="csr")


class KnownColumns(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Keep only the hashed columns seen in at least min_df training documents.

    The hashing space is large so that collisions are rare, but a linear model over all of it
    spends its time on millions of weights that are always zero; keeping the columns seen in
    training makes fitting a hundred times faster and the model file small, and changes no
    prediction (an unseen column's weight would be zero anyway).
    """

    def __init__(self, min_df: int = 1) -> None:
        self.min_df = min_df

    def fit(self, X: sp.csr_matrix, y: Any = None) -> KnownColumns:
        df = np.bincount(X.indices, minlength=X.shape[1])
        keep = np.flatnonzero(df >= self.min_df)
        remap = np.full(X.shape[1], -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        self.remap_ = remap
        self.n_kept_ = len(keep)
        return self

    def transform(self, X: sp.csr_matrix) -> sp.csr_matrix:
        X = sp.csr_matrix(X)
        new = self.remap_[X.indices]
        mask = new >= 0
        counts = np.add.reduceat(mask.astype(np.int64), X.indptr[:-1]) if X.nnz else np.zeros(
            X.shape[0], dtype=np.int64
        )
        # reduceat gives wrong counts for empty rows; fix them from indptr.
        empty = np.diff(X.indptr) == 0
        counts[empty] = 0
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return sp.csr_matrix(
            (X.data[mask], new[mask], indptr), shape=(X.shape[0], self.n_kept_)
        )
