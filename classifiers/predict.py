"""Pure prediction: articles in, predictions out; no files, no clock, no network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

from classifiers.event_report import context_row
from classifiers.facts import read_facts
from classifiers.features import headline, lead
from classifiers.keywords import KEYWORD_FACTOR, CompiledTerms
from classifiers.labels import category_words
from classifiers.lexicon import (
    LEXICON_LANGUAGES,
    attack_by_explosives,
    cue_hits,
    fire_exchanged,
    has_cue,
    targeted_role,
)
from classifiers.places import Gazetteer, default_gazetteer, locate
from classifiers.severity import judge, raise_one
from classifiers.train import TrainedModel
from classifiers.types import Article, ClassifierSettings, Prediction

_BATCH: Final = 2048
MIN_CATEGORY_SCORE: Final = 0.3
"""An incident needs one category this likely. Incident probability spread thinly over several
categories is the mark of a story about violence (a derailment, a trend piece), not of one."""


class Classifier:
    """Category from the model, severity from facts in the text, place from the gazetteer."""

    def __init__(
        self,
        model: TrainedModel,
        settings: ClassifierSettings | None = None,
        *,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self._model = model
        self._settings = settings or ClassifierSettings()
        self._terms = CompiledTerms.from_settings(self._settings.keywords, self._settings.watch)
        self._gazetteer = gazetteer or default_gazetteer()
        self._classes = list(model.classes)
        self._none = self._classes.index("none")
        # The operator's regions name the countries that matter; they settle shared place names.
        self._prefer = frozenset(c for _, c in self._settings.place_aliases.values() if c)

    @property
    def version(self) -> str:
        return self._model.version

    def classify(self, articles: Sequence[Article]) -> list[Prediction]:
        out: list[Prediction] = []
        for start in range(0, len(articles), _BATCH):
            batch = articles[start : start + _BATCH]
            plain = [self._plainly_none(a) for a in batch]
            scored = [a for a, skip in zip(batch, plain, strict=True) if not skip]
            probas = self._model.pipeline.predict_proba(scored) if scored else np.zeros((0, 0))
            stories = self._story_scores(scored, probas)
            verdicts = iter(
                [self._one(a, p, stories.get(i)) for i, (a, p) in enumerate(zip(scored, probas, strict=True))]
            )
            out.extend(
                Prediction(id=a.id, category="none", severity="none", score=1.0) if skip else next(verdicts)
                for a, skip in zip(batch, plain, strict=True)
            )
        return out

    def _plainly_none(self, article: Article) -> bool:
        """No word of violence, crime, protest or harm at all, in a language the lexicon reads,
        and no operator keyword: none without running the model. A third of an English news
        feed is such items; on the real sets the model called none every one of them."""
        if (article.language or "")[:2].lower() not in LEXICON_LANGUAGES:
            return False
        if self._terms.keywords and self._terms.keyword_hits(f"{article.title} {article.summary}"):
            return False
        # The texts the features read cues from, so that those are found again, not read again.
        return not has_cue(headline(article).lower(), article.summary.lower())

    def _decide(
        self, proba: np.ndarray, hits: dict[str, str], lowered: str, article: Article
    ) -> tuple[str, float, dict[str, str] | None]:
        """Category and its score; also the lexicon's cues when they had to be read."""
        scores = proba.astype(np.float64).copy()
        for category in hits:
            if category in self._classes:
                scores[self._classes.index(category)] *= KEYWORD_FACTOR
        scores /= scores.sum()
        p_incident = 1.0 - scores[self._none]
        if p_incident < self._model.incident_threshold:
            return "none", float(scores[self._none]), None
        masked = scores.copy()
        masked[self._none] = -1.0
        order = np.argsort(-masked)
        best = int(order[0])
        if scores[best] < MIN_CATEGORY_SCORE:
            return "none", float(scores[self._none]), None
        cues = None
        if self._classes[best] == "assassination" and "assassination" not in hits:
            # labels.md: an assassination targets a person chosen for who they are. Without a
            # word for such a role ("judge", "stamoudste") naming the victim in the headline or
            # first sentence, a shooting is an armed attack and a blast a bombing: a rank named
            # further down is mostly a source or an investigating officer.
            # Someone killed in an exchange of fire ("a Maoist commander killed in an encounter
            # with police") fell in a clash: neither side chose its victim.
            cues = cue_hits(lowered)
            if "assassination" not in cues and (
                targeted_role(lead(article).lower(), victim_only=True) is None
                or fire_exchanged(lowered)
            ):
                best = int(order[1])
        if self._classes[best] == "armed_attack" and attack_by_explosives(lowered):
            # labels.md: any explosive attack is a bombing; "attacked" says nothing of the weapon.
            best = self._classes.index("bombing")
        return self._classes[best], float(scores[best]), cues

    def _story_scores(self, articles: Sequence[Article], probas: np.ndarray) -> dict[int, float]:
        """The second stage's scores of the articles the first stage will likely call incidents,
        in one call: the model's fixed cost per call is larger than its cost per row."""
        if self._model.story is None or not len(articles):
            return {}
        likely = np.flatnonzero(1.0 - probas[:, self._none] >= self._model.incident_threshold)
        if not len(likely):
            return {}
        rows = np.vstack([self._story_row(articles[int(i)]) for i in likely])
        scores = self._model.story.predict_proba(rows)[:, 1]
        return dict(zip(likely.tolist(), scores.tolist(), strict=True))

    @staticmethod
    def _story_row(article: Article) -> np.ndarray:
        return context_row(headline(article), article.summary, has_title=bool(article.title.strip()))

    def _story_score(self, article: Article) -> float:
        """P(a story about violence rather than a report of a new incident), from the second
        stage; 0 for models without one."""
        story = self._model.story
        if story is None:
            return 0.0
        return float(story.predict_proba(self._story_row(article).reshape(1, -1))[0, 1])

    def _one(self, article: Article, proba: np.ndarray, story: float | None = None) -> Prediction:
        text = f"{article.title}. {article.summary}"
        lowered = text.lower()
        hits = self._terms.keyword_hits(text) if self._terms.keywords else {}
        category, score, cues = self._decide(proba, hits, lowered, article)
        if category != "none":
            # labels.md: a story mainly about reactions, politics or an old event is none even if
            # it mentions violence. Read only for incidents: one item in ten.
            if story is None:  # an operator keyword made it one
                story = self._story_score(article)
            if story >= self._model.story_threshold:
                category, score = "none", story
        if category == "none":
            # Places are read for incidents only: they are the incident's place (labels.md), and
            # reading them for the nine items in ten that are not incidents would halve throughput.
            return Prediction(id=article.id, category="none", severity="none",
                              score=round(score, 4))
        location = locate(
            article.title, article.summary, self._gazetteer, self._settings.place_aliases,
            self._prefer,
        )
        cues = cues if cues is not None else cue_hits(lowered)
        facts = read_facts(
            article.title, article.summary, cues, language=article.language,
            country=location.country,
        )
        major = location.place if location.major else None
        judgement = judge(category, facts, major_city=major, capital=location.capital)
        why: list[str] = []
        if category in hits:
            why.append(f"{category_words(category)}: keyword '{hits[category]}'")
        else:
            cue = cues.get(category)
            why.append(
                f"{category_words(category)}: '{cue}'"
                if cue
                else f"{category_words(category)} (score {score:.2f})"
            )
        why.extend(judgement.why)
        severity = judgement.severity
        watched = self._terms.watch_hit(text)
        if watched:
            severity = raise_one(severity)
            why.append(f"watch: '{watched}'")
        return Prediction(
            id=article.id,
            category=category,
            severity=severity,
            score=round(score, 4),
            country=location.country,
            place=location.place,
            why=tuple(why),
            killed=facts.killed,
            injured=facts.injured,
            kidnapped=facts.kidnapped,
        )
