"""Self-tests for the loopback fakes, driven by the real PTB and httpx clients."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
import zlib

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes import FakeBotApi, FeedServer, HtmlParseError, parse_html

# The fake_bot_api / feed_server fixtures come from tests.fakes.fixtures via conftest.

TOKEN = "123456:TEST-token_abc"
PRIVATE = 42
GROUP = -1001234567890


def make_bot(api: FakeBotApi, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=api.base_url)


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 returns an int or a timedelta depending on PTB_TIMEDELTA (and
    # warns when it is unset); accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# --------------------------------------------------------------- Bot API fake


@pytest.mark.asyncio
async def test_get_me_records_token_and_derives_bot_id(fake_bot_api: FakeBotApi) -> None:
    assert fake_bot_api.base_url.endswith("/bot")
    async with make_bot(fake_bot_api) as bot:
        me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "alertbot_test_bot"
    assert fake_bot_api.tokens == [TOKEN]
    call = fake_bot_api.calls("getMe")[0]
    assert call.token == TOKEN
    assert call.status == 200


@pytest.mark.asyncio
async def test_send_message_html_returns_parsed_message(fake_bot_api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Mute", callback_data="mute:1")]])
    async with make_bot(fake_bot_api) as bot:
        first = await bot.send_message(
            PRIVATE,
            '<b>Quake</b> &amp; <a href="https://example.org/q">more</a>',
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            disable_notification=True,
        )
        second = await bot.send_message(PRIVATE, "plain")
        group = await bot.send_message(GROUP, "to the group")

    assert first.text == "Quake & more"
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        ("bold", 0, 5),
        ("text_link", 8, 4),
    ]
    assert first.entities[1].url == "https://example.org/q"
    assert first.chat.type == "private"
    assert first.from_user is not None and first.from_user.id == 123456
    assert first.reply_markup == keyboard
    assert (first.message_id, second.message_id) == (1, 2)
    assert group.chat.type == "supergroup" and group.message_id == 1

    sent = fake_bot_api.sent_messages(PRIVATE)
    assert [m.message_id for m in sent] == [1, 2]
    assert sent[0].text.startswith("<b>Quake</b>")
    assert sent[0].parse_mode == "HTML"
    assert sent[0].disable_notification is True
    assert sent[0].reply_markup == {"inline_keyboard": [[{"text": "Mute", "callback_data": "mute:1"}]]}
    assert sent[1].parse_mode is None and sent[1].disable_notification is False
    assert len(fake_bot_api.sent_messages()) == 3


@pytest.mark.asyncio
async def test_edit_message_text_updates_state_and_rejects_noop(fake_bot_api: FakeBotApi) -> None:
    async with make_bot(fake_bot_api) as bot:
        msg = await bot.send_message(PRIVATE, "v1")
        edited = await bot.edit_message_text("<i>v2</i>", PRIVATE, msg.message_id, parse_mode="HTML")
        assert isinstance(edited, type(msg)) and edited.text == "v2"
        assert edited.edit_date is not None
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("<i>v2</i>", PRIVATE, msg.message_id, parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("x", PRIVATE, 999)
        await bot.delete_message(PRIVATE, msg.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("v3", PRIVATE, msg.message_id)

    [state] = fake_bot_api.sent_messages(PRIVATE)
    assert (state.text, state.plain_text, state.edit_count, state.deleted) == (
        "<i>v2</i>",
        "v2",
        1,
        True,
    )
    [edit] = fake_bot_api.edits(PRIVATE)
    assert (edit.method, edit.message_id, edit.text) == ("editMessageText", 1, "<i>v2</i>")


@pytest.mark.asyncio
async def test_get_updates_returns_injected_command(fake_bot_api: FakeBotApi) -> None:
    async with make_bot(fake_bot_api) as bot:
        fake_bot_api.inject_message(PRIVATE, "/subscribe quakes", username="alice")
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        assert time.monotonic() - started < 1.0
        [update] = updates
        assert update.message is not None
        assert update.message.text == "/subscribe quakes"
        assert update.message.parse_entities() == {update.message.entities[0]: "/subscribe"}
        assert update.message.from_user is not None
        assert update.message.from_user.username == "alice"

        # Long poll: wakes as soon as an update arrives, not at the timeout.
        poll = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=5))
        await asyncio.sleep(0.1)
        assert not poll.done()
        fake_bot_api.inject_message(GROUP, "/status@alertbot_test_bot", user_id=7)
        started = time.monotonic()
        [later] = await asyncio.wait_for(poll, 3)
        assert time.monotonic() - started < 1.0
        assert later.update_id == update.update_id + 1
        assert later.message is not None and later.message.chat.type == "supergroup"

        # Confirming with offset drops everything seen.
        assert await bot.get_updates(offset=later.update_id + 1, timeout=0) == ()


@pytest.mark.asyncio
async def test_application_command_handler_round_trip(fake_bot_api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, f"args={context.args}")

    app = Application.builder().token(TOKEN).base_url(fake_bot_api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        fake_bot_api.inject_message(PRIVATE, "/start hello")
        [reply] = await fake_bot_api.wait_for_messages(1, chat_id=PRIVATE, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply.text == "args=['hello']"
    assert fake_bot_api.calls("deleteWebhook")


@pytest.mark.asyncio
async def test_callback_query_round_trip(fake_bot_api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ack", callback_data="ack")]])
    async with make_bot(fake_bot_api) as bot:
        msg = await bot.send_message(PRIVATE, "alert", reply_markup=keyboard)
        fake_bot_api.inject_callback(PRIVATE, msg.message_id, "ack")
        [update] = await bot.get_updates(timeout=1)
        query = update.callback_query
        assert query is not None and query.data == "ack"
        assert query.message is not None and query.message.message_id == msg.message_id
        assert await bot.answer_callback_query(query.id, text="done")
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await bot.answer_callback_query(query.id)
        await bot.edit_message_reply_markup(PRIVATE, msg.message_id, reply_markup=None)
    assert fake_bot_api.sent_messages(PRIVATE)[0].reply_markup is None
    with pytest.raises(LookupError):
        fake_bot_api.inject_callback(PRIVATE, 99, "x")


@pytest.mark.asyncio
async def test_fail_next_429_raises_retry_after(fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # silences PTB's int-vs-timedelta warning
    fake_bot_api.fail_next("sendMessage", status=429, retry_after=7)
    async with make_bot(fake_bot_api) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(PRIVATE, "x")
        assert retry_after_seconds(caught.value) == 7
        await bot.send_message(PRIVATE, "second attempt goes through")
    statuses = [c.status for c in fake_bot_api.calls("sendMessage")]
    assert statuses == [429, 200]


@pytest.mark.asyncio
async def test_fail_next_is_ordered_and_chat_scoped(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", status=500, chat_id=GROUP)
    fake_bot_api.fail_next("sendMessage", times=2, status=502)
    async with make_bot(fake_bot_api) as bot:
        with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
            await bot.send_message(PRIVATE, "a")  # the GROUP rule does not match
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await bot.send_message(GROUP, "b")
        with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
            await bot.send_message(GROUP, "c")
        await bot.send_message(GROUP, "d")


@pytest.mark.asyncio
async def test_blocked_chat_raises_forbidden(fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.block_chat(PRIVATE)
    async with make_bot(fake_bot_api) as bot:
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await bot.send_message(PRIVATE, "x")
        await bot.send_message(43, "other chats still work")
        fake_bot_api.fail_next("sendMessage", status=403, description="Forbidden: user is deactivated")
        with pytest.raises(Forbidden, match="(?i)deactivated"):
            await bot.send_message(43, "y")


@pytest.mark.asyncio
async def test_message_too_long_raises_bad_request(fake_bot_api: FakeBotApi) -> None:
    async with make_bot(fake_bot_api) as bot:
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(PRIVATE, "a" * 4097)
        await bot.send_message(PRIVATE, "a" * 4096)
        # Length counts after entity parsing: markup and escapes are free.
        await bot.send_message(PRIVATE, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(PRIVATE, "   ")
    assert len(fake_bot_api.sent_messages()) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("price < 5", 'Unsupported start tag "" at byte offset 6'),
        ("a&nbsp;b", "Unsupported HTML entity"),
        ('<span class="x">s</span>', 'must have class "tg-spoiler"'),
        ("x</b>", "Unexpected end tag"),
    ],
)
async def test_bad_html_raises_bad_request(fake_bot_api: FakeBotApi, text: str, reason: str) -> None:
    async with make_bot(fake_bot_api) as bot:
        with pytest.raises(BadRequest, match="(?i)can't parse entities") as caught:
            await bot.send_message(PRIVATE, text, parse_mode=ParseMode.HTML)
    # PTB lower-cases the description after its first letter; the fake's
    # record keeps the server's exact wording.
    assert reason.lower() in caught.value.message.lower()
    [call] = fake_bot_api.calls("sendMessage")
    assert call.status == 400
    assert call.error == f"Bad Request: can't parse entities: {reason}" or (
        call.error is not None and reason in call.error
    )
    assert fake_bot_api.sent_messages() == []


def test_html_parser_accepts_every_allowed_construct() -> None:
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
        "<tg-spoiler>q</tg-spoiler><a href='https://x.y/?a=1&amp;b=2'>l</a>"
        '<code>c</code><pre><code class="language-python">py</code></pre>'
        '<blockquote expandable>bq</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
        "&lt;&gt;&quot;&#65;&#x42; &amp; AT&T"
    )
    assert text.endswith('<>"AB & AT&T')
    types = [e["type"] for e in entities]
    assert types.count("bold") == 2 and types.count("spoiler") == 2
    assert {"pre", "code", "text_link", "expandable_blockquote", "custom_emoji"} <= set(types)
    [pre] = [e for e in entities if e["type"] == "pre"]
    assert pre["language"] == "python"
    [link] = [e for e in entities if e["type"] == "text_link"]
    assert link["url"] == "https://x.y/?a=1&b=2"
    # Offsets are UTF-16 code units, so astral characters count double.
    _, [bold] = parse_html("😀<b>x</b>")
    assert bold == {"type": "bold", "offset": 2, "length": 1}
    with pytest.raises(HtmlParseError):
        parse_html("<br/>")


@pytest.mark.asyncio
async def test_outage_and_migration_map_to_ptb_errors(fake_bot_api: FakeBotApi) -> None:
    async with make_bot(fake_bot_api) as bot:
        fake_bot_api.outage(0.3)
        with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
            await bot.send_message(PRIVATE, "x")
        await asyncio.sleep(0.35)
        await bot.send_message(PRIVATE, "after the outage")

        fake_bot_api.migrate_chat(-123, -1009999)
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-123, "x")
        assert caught.value.new_chat_id == -1009999

        # A 404 from an unknown method: PTB maps it to EndPointNotFound here
        # (and to InvalidToken on ordinary methods).
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")


@pytest.mark.asyncio
async def test_enforce_limits_counts_violations(fake_bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake_bot_api.enforce_limits(per_second=None, per_chat_per_minute_group=3)
    async with make_bot(fake_bot_api) as bot:
        for i in range(3):
            await bot.send_message(GROUP, f"m{i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(GROUP, "one too many")
        assert 55 <= retry_after_seconds(caught.value) <= 60
        await bot.send_message(PRIVATE, "private chats have no per-minute cap")
    assert fake_bot_api.limit_violations == 1


@pytest.mark.asyncio
async def test_params_are_decoded_from_every_encoding(fake_bot_api: FakeBotApi) -> None:
    url = f"{fake_bot_api.base_url}{TOKEN}/sendMessage"
    markup = '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}'
    async with httpx.AsyncClient() as client:
        by_query = await client.get(url, params={"chat_id": "7", "text": "123"})
        by_json = await client.post(url, json={"chat_id": 7, "text": "[x]", "reply_markup": markup})
        by_multipart = await client.post(
            url,
            data={"chat_id": "-1001", "text": "true", "reply_markup": markup},
            files={"document": ("a.txt", b"hello", "text/plain")},
        )
        unknown = await client.post(f"{fake_bot_api.base_url}{TOKEN}/fooBar")
        too_long_data = await client.post(
            url,
            data={
                "chat_id": "7",
                "text": "x",
                "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "' + "d" * 65 + '"}]]}',
            },
        )
    assert by_query.json()["result"]["text"] == "123"
    assert by_json.json()["ok"] is True
    assert by_multipart.json()["result"]["chat"]["type"] == "group"
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert too_long_data.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
    calls = fake_bot_api.calls("sendMessage")
    assert [c.http_method for c in calls[:2]] == ["GET", "POST"]
    assert calls[0].params == {"chat_id": 7, "text": "123"}
    assert calls[1].params["text"] == "[x]"
    assert calls[1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    assert calls[2].params["chat_id"] == -1001 and calls[2].params["text"] == "true"
    assert calls[2].params["document"].data == b"hello"


@pytest.mark.asyncio
async def test_wait_for_times_out_with_a_useful_message(fake_bot_api: FakeBotApi) -> None:
    async with make_bot(fake_bot_api) as bot:
        await bot.send_message(PRIVATE, "only one")
    with pytest.raises(AssertionError, match="(?i)2 sent message") as caught:
        await fake_bot_api.wait_for_messages(2, timeout=0.1)
    assert "only one" in str(caught.value)


@pytest.mark.asyncio
async def test_stop_is_quick_during_long_poll() -> None:
    api = FakeBotApi(max_poll_wait=30).start()
    async with make_bot(api) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await api.wait_for(lambda: bool(api.calls("getUpdates")), timeout=2)
        started = time.monotonic()
        await asyncio.to_thread(api.stop)
        assert time.monotonic() - started < 1.0
        assert await asyncio.wait_for(poll, 2) == ()


# ---------------------------------------------------------------- feed server


@pytest.mark.asyncio
async def test_feed_conditional_get(feed_server: FeedServer) -> None:
    url = feed_server.add("/news.xml", b"<rss>v1</rss>")
    async with httpx.AsyncClient(headers={"User-Agent": "alertbot-test/1.0"}) as client:
        first = await client.get(url)
        assert first.status_code == 200 and first.content == b"<rss>v1</rss>"
        assert first.headers["content-type"] == "application/rss+xml; charset=utf-8"
        etag, last_modified = first.headers["etag"], first.headers["last-modified"]

        by_etag = await client.get(url, headers={"If-None-Match": etag})
        by_date = await client.get(url, headers={"If-Modified-Since": last_modified})
        assert (by_etag.status_code, by_date.status_code) == (304, 304)
        assert by_etag.content == b""

        feed_server.replace("/news.xml", b"<rss>v2</rss>")
        changed = await client.get(url, headers={"If-None-Match": etag, "If-Modified-Since": last_modified})
        assert changed.status_code == 200 and changed.content == b"<rss>v2</rss>"
        assert changed.headers["etag"] != etag
        assert changed.headers["last-modified"] != last_modified

    assert feed_server.request_count("/news.xml") == 4
    recorded = feed_server.requests("/news.xml")
    assert all(r.headers["user-agent"] == "alertbot-test/1.0" for r in recorded)
    assert recorded[1].headers["if-none-match"] == etag


@pytest.mark.asyncio
async def test_feed_gzip_bomb_headers_and_payload(feed_server: FeedServer) -> None:
    url = feed_server.gzip_bomb("/bomb.xml", decompressed_mb=1000)
    wire, expanded = feed_server.gzip_bomb_size(1000)
    assert wire < 2 * 1024 * 1024 and expanded > 1000 * 1024 * 1024
    async with httpx.AsyncClient() as client:
        async with client.stream("GET", url) as response:
            assert response.headers["content-encoding"] == "gzip"
            assert int(response.headers["content-length"]) == wire
            raw = b""
            async for chunk in response.aiter_raw():
                raw += chunk
                if len(raw) >= 4096:
                    break
        inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 200_000)
        assert inflated.startswith(b"<?xml") and inflated.endswith(b"    ")

        # A small bomb inflates completely, which proves the stream is valid gzip
        # (httpx's decoder checks the CRC and length trailer).
        small = feed_server.gzip_bomb("/small-bomb.xml", decompressed_mb=3)
        whole = await client.get(small)
        assert len(whole.content) == feed_server.gzip_bomb_size(3)[1]


@pytest.mark.asyncio
async def test_feed_redirect_loop(feed_server: FeedServer) -> None:
    url = feed_server.redirect_loop("/loop.xml")
    async with httpx.AsyncClient(follow_redirects=True, max_redirects=5) as client:
        with pytest.raises(httpx.TooManyRedirects):
            await client.get(url)
    assert feed_server.request_count("/loop.xml") == 6


@pytest.mark.asyncio
async def test_feed_status_codes_and_slow_headers(feed_server: FeedServer) -> None:
    limited = feed_server.status("/limited.xml", 429, {"Retry-After": "120"})
    gone = feed_server.url("/missing.xml")
    feed_server.add("/slow.xml", b"<rss/>")
    slow = feed_server.slow_headers("/slow.xml", 5)
    async with httpx.AsyncClient() as client:
        response = await client.get(limited)
        assert response.status_code == 429 and response.headers["retry-after"] == "120"
        assert (await client.get(gone)).status_code == 404
        with pytest.raises(httpx.ReadTimeout):
            await client.get(slow, timeout=httpx.Timeout(5, read=0.2))


@pytest.mark.asyncio
async def test_feed_drip_and_endless_stop_quickly() -> None:
    server = FeedServer().start()
    drip = server.drip("/drip.xml", bytes_per_second=20)
    endless = server.endless("/endless.xml")
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        async with client.stream("GET", drip) as response:
            got = b""
            async for chunk in response.aiter_raw():
                got += chunk
                if len(got) >= 3:
                    break
            assert int(response.headers["content-length"]) > len(got)
        async with client.stream("GET", endless) as response:
            assert "content-length" not in response.headers
            total = 0
            async for chunk in response.aiter_raw():
                total += len(chunk)
                if total > 256 * 1024:
                    break
        # Leave one hostile response in flight and check stop() does not wait on it.
        async with client.stream("GET", endless) as response:
            await response.aiter_raw().__anext__()
            started = time.monotonic()
            await asyncio.to_thread(server.stop)
            assert time.monotonic() - started < 1.0
