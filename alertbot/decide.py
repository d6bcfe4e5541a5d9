"""Who gets which alert: pure functions over plain values, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alertbot.config import ChannelConfig, RegionConfig
from alertbot.items import Subscription
from classifiers import Prediction
from classifiers.labels import SEVERITY_RANK


def regions_of(prediction: Prediction, regions: Sequence[RegionConfig]) -> tuple[str, ...]:
    """The configured regions an incident falls in.

    A region with places matches when the incident's place is one of them (or the region's own
    name); a region without places stands for its whole country.
    """
    place = (prediction.place or "").casefold()
    country = (prediction.country or "").casefold()
    matched: list[str] = []
    for region in regions:
        names = {region.name.casefold(), *(p.casefold() for p in region.places)}
        if region.places or place == region.name.casefold():
            if place and place in names:
                matched.append(region.name)
        elif country and country == region.country.casefold():
            matched.append(region.name)
    return tuple(matched)


def wants(subscription: Subscription, severity: str, alert_regions: Sequence[str]) -> bool:
    """Does this subscriber want an alert of this severity in these regions?"""
    if not subscription.active or SEVERITY_RANK[severity] < SEVERITY_RANK[subscription.min_severity]:
        return False
    if not subscription.regions:
        return True
    wanted = {r.casefold() for r in subscription.regions}
    return any(r.casefold() in wanted for r in alert_regions)


def channel_subscriptions(channels: Iterable[ChannelConfig]) -> list[Subscription]:
    return [
        Subscription(chat_id=c.chat_id, regions=c.regions, min_severity=c.min_severity, kind="channel")
        for c in channels
    ]


def recipients(severity: str, alert_regions: Sequence[str], subscribers: Iterable[Subscription]) -> list[int]:
    """Chat ids owed this alert, each once, in a stable order."""
    chosen: dict[int, None] = {}
    for subscription in subscribers:
        if severity != "none" and wants(subscription, severity, alert_regions):
            chosen.setdefault(subscription.chat_id, None)
    return list(chosen)
