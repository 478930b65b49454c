"""Credentials in feed URLs are shown as *** wherever a URL is displayed (bot.reader.urls.redact_url)."""

from __future__ import annotations

import pytest

from bot.reader.urls import is_redacted, redact_url


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("https://user:pass@host/feed", "https://user:***@host/feed"),
        ("https://ghp_token123@host/feed.xml", "https://***@host/feed.xml"),
        ("https://host/feed?token=abc&lang=it", "https://host/feed?token=***&lang=it"),
        ("https://host/feed?lang=it&key=abc#x", "https://host/feed?lang=it&key=***#x"),
        ("https://host/f?APIKEY=a&api_key=b&access_token=c", "https://host/f?APIKEY=***&api_key=***&access_token=***"),
        ("https://host/f#access_token=abc", "https://host/f#access_token=***"),
        (  # in a line of text, and escaped in HTML or XML
            "source failed: mofa http://u:p@127.0.0.1:8080/f?a=1&amp;token=t: HTTP 404",
            "source failed: mofa http://u:***@127.0.0.1:8080/f?a=1&amp;token=***: HTTP 404",
        ),
    ],
)
def test_credentials_are_redacted(shown, expected):
    assert redact_url(shown) == expected
    assert is_redacted(expected) and not is_redacted(shown)


@pytest.mark.parametrize(
    "plain",
    [
        "https://host/feed.xml",
        "https://host/path@not-userinfo/feed",
        "https://host/feed?monkey=1&tokens=2",
        "write to press@example.org",
        "key=value outside a URL query",
        "telegram channelname",
    ],
)
def test_what_holds_no_credential_is_left_alone(plain):
    assert redact_url(plain) == plain and not is_redacted(plain)
