"""The long-lived parts of the service, opened together and closed together."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alertbot.config import Config
from alertbot.fetch import Fetcher
from alertbot.items import Subscription
from alertbot.parse import FeedParser
from alertbot.poll import Poller
from alertbot.store import Store
from classifiers import ClassifierSettings
from classifiers.model_io import load_or_train
from classifiers.predict import Classifier

Clock = Callable[[], datetime]
PROJECT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def utc_now() -> datetime:
    return datetime.now(UTC)


def classifier_settings(config: Config) -> ClassifierSettings:
    """Keywords, watch terms and region place names from the config, for the classifier."""
    aliases: dict[str, tuple[str, str | None]] = {}
    for region in config.regions:
        for place in (region.name, *region.places):
            aliases.setdefault(place, (place, region.country))
    return ClassifierSettings(keywords=config.keywords, watch=config.watch, place_aliases=aliases)


def open_classifier(data_dir: Path, settings: ClassifierSettings, *, progress: bool = False) -> Classifier:
    """The current model from data_dir, trained from the seeds first when there is none."""
    return Classifier(load_or_train(data_dir, PROJECT_SEEDS, progress=progress), settings)


@dataclass(slots=True)
class Services:
    config: Config
    store: Store
    fetcher: Fetcher
    parser: FeedParser
    classifier: Classifier
    poller: Poller
    clock: Clock

    @classmethod
    def open(
        cls,
        config: Config,
        *,
        extra_subscribers: Sequence[Subscription] = (),
        clock: Clock = utc_now,
        progress: bool = False,
        store: Store | None = None,
    ) -> Services:
        store = store or Store.in_data_dir(config.data_dir)
        try:
            classifier = open_classifier(config.data_dir, classifier_settings(config), progress=progress)
            fetcher = Fetcher(config.poll)
            parser = FeedParser()
            parser.start()
        except BaseException:
            store.close()
            raise
        poller = Poller(
            config=config,
            store=store,
            fetcher=fetcher,
            parser=parser,
            classifier=classifier,
            extra_subscribers=extra_subscribers,
            jitter=random.Random().random,  # noqa: S311 - backoff jitter, not crypto; the one random source
        )
        # What is loaded by now (libraries, the model, the gazetteer) lives as long as the process:
        # frozen, the cyclic collector's full passes no longer walk it, which cost 0.1 s each,
        # in the middle of a poll.
        gc.collect()
        gc.freeze()
        return cls(config, store, fetcher, parser, classifier, poller, clock)

    async def close(self) -> None:
        await self.fetcher.close()
        self.parser.close()
        self.store.close()
