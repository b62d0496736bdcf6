"""Redaction of keys, auth headers and base64 payloads."""

from __future__ import annotations

import base64
import json

import pytest

from editor.core.redact import forget_secrets, known_secrets, redact, register_secret

KEY = "fa-KnownKey0123456789abcdef"


def test_known_secret_is_masked_everywhere_in_text() -> None:
    register_secret(KEY)
    text = f"key={KEY}; again {KEY}!; json {json.dumps({'k': KEY})}"
    out = redact(text)
    assert KEY not in out
    assert out.count("<redacted>") == 3


def test_secrets_passed_in_and_short_values_ignored() -> None:
    out = redact("custom-secret-value and abc", secrets=["custom-secret-value", "abc"])
    assert out == "<redacted> and abc"  # 3 chars would mask ordinary words
    forget_secrets()
    assert known_secrets() == ()


def test_longer_secret_wins_over_its_prefix() -> None:
    register_secret("abcd1234")
    register_secret("abcd1234-more-of-it")
    assert redact("x abcd1234-more-of-it y") == "x <redacted> y"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Authorization: Bearer abc.def-ghi_123", "abc.def"),
        ("{'Authorization': 'Bearer tok_live_999'}", "tok_live_999"),
        ('{"authorization": "Basic dXNlcjpwYXNz"}', "dXNlcjpwYXNz"),
        ("headers: authorization=Token s3cr3tvalue", "s3cr3tvalue"),
        ("x-api-key: zzzsecretzzz", "zzzsecretzzz"),
        ("GET https://h/v1?api_key=qwerty123&x=1", "qwerty123"),
        ("OpenAI key sk-proj-ABCDEFGHIJKLMNOPQRST1234 rejected", "ABCDEFGHIJKLMNOP"),
        ("sk-ABCDEFGHIJKLMNOPQRSTUVWX", "ABCDEFGHIJKLMNOP"),
        ("fashn fa-0123456789abcdefABCDEF used", "0123456789abcdef"),
        ('{"password": "hunter22"}', "hunter22"),
    ],
)
def test_patterns(text: str, leak: str) -> None:
    out = redact(text)
    assert leak not in out
    assert "<redacted>" in out


@pytest.mark.parametrize(
    "text",
    [
        "Basic settings were restored",
        "sofa-cushion-in-the-living-room is red",
        "3 tokens: used",
        "resolution=2k mode=balanced num_images=2",
        "short data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_data_uri_replaced_by_size() -> None:
    payload = base64.b64encode(bytes(range(256)) * 40).decode()  # 10240 bytes
    body = json.dumps({"image": f"data:image/jpeg;base64,{payload}", "prompt": "sky"})
    out = redact(body)
    assert payload[:50] not in out
    assert "data:image/jpeg;base64,<base64 10240 bytes>" in out
    assert '"prompt": "sky"' in out
    assert len(out) < 200


def test_raw_base64_run_replaced() -> None:
    payload = base64.b64encode(b"\x01\x02\x03" * 100).decode()  # 400 chars, 300 bytes
    out = redact(f'{{"b64_json": "{payload}"}}')
    assert out == '{"b64_json": "<base64 300 bytes>"}'


def test_huge_payload_is_fast_enough_to_log() -> None:
    payload = base64.b64encode(b"\xab" * 3_000_000).decode()
    out = redact(f"body data:image/png;base64,{payload} end")
    assert out == "body data:image/png;base64,<base64 3000000 bytes> end"


def test_non_string_input() -> None:
    register_secret(KEY)
    assert redact({"k": KEY}) == "{'k': '<redacted>'}"  # type: ignore[arg-type]


def test_clean_settings_drops_key_fields_and_redacts_values() -> None:
    from editor.core.redact import clean_settings

    register_secret(KEY)
    settings = {
        "backend": "fashn",
        "fashn_api_key": "x",
        "OPENAI-API-KEY": "y",
        "key": "z",
        "access_token": "t",
        "hotkeys": {"run": "Ctrl+Return"},
        "nested": [{"password": "p", "ok": 1}, f"note {KEY}"],
        "path": object(),
        "ratio": 1.5,
        "flag": True,
        "none": None,
    }
    cleaned = clean_settings(settings)
    assert set(cleaned) == {"backend", "hotkeys", "nested", "path", "ratio", "flag", "none"}
    assert cleaned["nested"] == [{"ok": 1}, "note <redacted>"]
    assert cleaned["hotkeys"] == {"run": "Ctrl+Return"}
    assert isinstance(cleaned["path"], str)
    assert (cleaned["ratio"], cleaned["flag"], cleaned["none"]) == (1.5, True, None)
    json.dumps(cleaned)  # always JSON-safe
