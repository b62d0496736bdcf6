"""The sandbox speaks OpenAI's /v1/images/edits (multipart, JSON and SSE), plain httpx."""

from __future__ import annotations

import base64
import json

import httpx
import numpy as np
import pytest

from editor.sandbox import Sandbox
from editor.sandbox.testing import (
    box_mask,
    decode,
    jpeg_bytes,
    openai_mask_png,
    png_bytes,
    sample_image,
)

BOX = (16, 16, 48, 40)


@pytest.fixture
def client(sandbox: Sandbox):
    headers = {"Authorization": f"Bearer {sandbox.key}"}
    with httpx.Client(base_url=sandbox.url + "/v1", headers=headers, timeout=20) as c:
        yield c


def edit(client: httpx.Client, files: list, **fields) -> httpx.Response:
    data = {"prompt": "a red hat", **{k: str(v) for k, v in fields.items()}}
    return client.post("/images/edits", data=data, files=files)


def square(size: int = 64) -> bytes:
    return png_bytes(sample_image(size, size))


def b64_image(item: dict) -> np.ndarray:
    return decode(base64.b64decode(item["b64_json"]))


def test_dall_e_2_default_answers_urls_at_the_requested_size(client: httpx.Client):
    mask = openai_mask_png(box_mask(64, 64, BOX))
    resp = edit(client, [("image", ("a.png", square(), "image/png")), ("mask", ("m.png", mask))],
                size="256x256", n=2)  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-request-id"].startswith("req_")
    body = resp.json()
    assert set(body) == {"created", "data"} and len(body["data"]) == 2
    images = [decode(httpx.get(item["url"]).content) for item in body["data"]]
    assert images[0].shape == (256, 256, 3)
    assert not np.array_equal(images[0], images[1])  # variants differ


def test_only_transparent_mask_pixels_change(client: httpx.Client):
    source = sample_image(64, 64)
    mask = box_mask(64, 64, BOX)
    files = [("image", ("a.png", png_bytes(source))), ("mask", ("m.png", openai_mask_png(mask)))]
    resp = edit(client, files, model="gpt-image-1", size="1024x1024")
    (item,) = resp.json()["data"]
    out = b64_image(item)
    assert out.shape == (1024, 1024, 3)
    small = np.asarray(
        __import__("PIL.Image", fromlist=["Image"]).fromarray(out).resize((64, 64))
    ).astype(int)
    diff = np.abs(small - source.astype(int)).mean(axis=2)
    inner = box_mask(64, 64, (20, 20, 44, 36)) > 0
    far = box_mask(64, 64, (0, 48, 64, 64)) > 0
    assert diff[inner].mean() > 30 and diff[far].mean() < 6


def test_gpt_image_answers_b64_with_metadata_and_auto_size(client: httpx.Client):
    wide = png_bytes(sample_image(96, 48))
    resp = edit(client, [("image", ("w.png", wide))], model="gpt-image-1", output_format="jpeg",
                output_compression=80, quality="low", input_fidelity="high")  # fmt: skip
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["size"] == "1536x1024" and body["output_format"] == "jpeg"
    assert body["quality"] == "low" and body["usage"]["total_tokens"] > 0
    raw = base64.b64decode(body["data"][0]["b64_json"])
    assert raw[:2] == b"\xff\xd8"  # JPEG
    assert decode(raw).shape == (1024, 1536, 3)


def test_several_images_for_gpt_image(client: httpx.Client):
    files = [("image[]", (f"{i}.jpg", jpeg_bytes(sample_image(32, 32, seed=i)))) for i in range(3)]
    resp = edit(client, files, model="gpt-image-1", size="1024x1024")
    assert resp.status_code == 200, resp.text


def test_urlencoded_body_is_refused(client: httpx.Client):
    resp = client.post("/images/edits", data={"prompt": "x"})
    assert resp.status_code == 400 and "multipart" in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("files", "fields", "param"),
    [
        ("mask_only", {}, "image"),
        ("square", {"prompt": ""}, "prompt"),
        ("square", {"n": 11}, "n"),
        ("square", {"n": "two"}, "n"),
        ("square", {"size": "1536x1024"}, "size"),  # not a dall-e-2 size
        ("square", {"model": "gpt-image-1", "size": "512x512"}, "size"),
        ("square", {"model": "dall-e-3"}, "model"),
        ("square", {"colour": "red"}, "colour"),
        ("square", {"response_format": "jpeg"}, "response_format"),
        ("square", {"model": "gpt-image-1", "response_format": "url"}, "response_format"),
        ("square", {"model": "dall-e-2", "output_format": "png"}, "output_format"),
        ("square", {"model": "gpt-image-1", "partial_images": 4}, "partial_images"),
        (
            "square",
            {"model": "gpt-image-1", "background": "transparent", "output_format": "jpeg"},
            "background",
        ),
        ("wide", {}, "image"),  # dall-e-2 needs a square
        ("jpeg", {}, "image"),  # dall-e-2 needs a PNG
        ("garbage", {"model": "gpt-image-1"}, "image"),
        ("two", {}, "image"),  # dall-e-2 takes one image
        ("bad_mask_size", {}, "mask"),
        ("mask_no_alpha", {}, "mask"),
        ("no_mask_opaque", {}, "image"),  # dall-e-2 without mask needs transparency
    ],
)
def test_invalid_requests_are_400_with_the_param(client: httpx.Client, files, fields, param):
    img = square()
    mask = ("mask", ("m.png", openai_mask_png(box_mask(64, 64, BOX))))
    grey = png_bytes(np.full((64, 64), 255, np.uint8))
    choices = {
        "square": [("image", ("a.png", img)), mask],
        "wide": [("image", ("a.png", png_bytes(sample_image(64, 32)))), mask],
        "jpeg": [("image", ("a.jpg", jpeg_bytes(sample_image(64, 64)))), mask],
        "garbage": [("image", ("a.png", b"not an image"))],
        "two": [("image[]", ("a.png", img)), ("image[]", ("b.png", img)), mask],
        "bad_mask_size": [("image", ("a.png", img)),
                          ("mask", ("m.png", openai_mask_png(box_mask(63, 64, BOX))))],
        "mask_no_alpha": [("image", ("a.png", img)), ("mask", ("m.png", grey))],
        "no_mask_opaque": [("image", ("a.png", img))],
        "mask_only": [mask],
    }  # fmt: skip
    resp = edit(client, choices[files], **fields)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert error["message"] and "x-request-id" in resp.headers


def test_dall_e_2_without_mask_edits_the_transparent_area(client: httpx.Client):
    rgba = np.dstack([sample_image(64, 64), np.full((64, 64), 255, np.uint8)])
    rgba[BOX[1] : BOX[3], BOX[0] : BOX[2], 3] = 0
    resp = edit(client, [("image", ("a.png", png_bytes(rgba)))], response_format="b64_json",
                size="256x256")  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert b64_image(resp.json()["data"][0]).shape == (256, 256, 3)


@pytest.mark.parametrize("auth", [None, "Bearer wrong"])
def test_bad_key_is_401_invalid_api_key(sandbox: Sandbox, auth):
    headers = {"Authorization": auth} if auth else {}
    resp = httpx.post(f"{sandbox.url}/v1/images/edits", headers=headers,
                      data={"prompt": "x"}, files=[("image", ("a.png", square()))])  # fmt: skip
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert resp.headers["x-request-id"]
    assert sandbox.key not in resp.text


def read_events(resp: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in resp.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


def test_stream_sends_partial_images_then_completed(sandbox: Sandbox, client: httpx.Client):
    files = [("image", ("a.png", square())),
             ("mask", ("m.png", openai_mask_png(box_mask(64, 64, BOX))))]  # fmt: skip
    data = {"prompt": "a hat", "model": "gpt-image-1", "stream": "true", "partial_images": "2",
            "size": "1024x1024"}  # fmt: skip
    with client.stream("POST", "/images/edits", data=data, files=files) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        events = read_events(resp)
    names = [name for name, _ in events]
    assert names == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    assert [e["partial_image_index"] for _, e in events[:2]] == [0, 1]
    final = events[-1][1]
    assert final["type"] == "image_edit.completed" and final["usage"]["output_tokens"] > 0
    partial, done = b64_image(events[0][1]), b64_image(final)
    assert partial.shape == done.shape == (1024, 1024, 3)
    assert not np.array_equal(partial, done)  # progressively closer to the final image
    assert sandbox.stats.openai_requests == 1


def test_stream_error_mid_stream(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("stream_error", after=1)
    data = {"prompt": "x", "model": "gpt-image-1", "stream": "true", "partial_images": "2"}
    with client.stream("POST", "/images/edits", data=data,
                       files=[("image", ("a.png", square()))]) as resp:  # fmt: skip
        events = read_events(resp)
    assert [name for name, _ in events] == ["image_edit.partial_image", "error"]
    assert events[1][1]["error"]["message"]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("server_error", 500, "server_error"), ("rate_limit", 429, "rate_limit_exceeded"),
     ("out_of_credits", 429, "insufficient_quota"), ("unauthorized", 401, "invalid_api_key")],
)  # fmt: skip
def test_faults_use_openai_error_shapes(
    sandbox: Sandbox, client: httpx.Client, fault, status, code
):
    sandbox.inject(fault, on="openai")
    resp = edit(client, [("image", ("a.png", square()))], model="gpt-image-1")
    assert resp.status_code == status and resp.json()["error"]["code"] == code
    assert resp.headers["x-request-id"]


def test_not_image_output_in_b64(sandbox: Sandbox, client: httpx.Client):
    sandbox.inject("not_image_output", on="openai")
    resp = edit(client, [("image", ("a.png", square()))], model="gpt-image-1")
    with pytest.raises(OSError):
        b64_image(resp.json()["data"][0])
