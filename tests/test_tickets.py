"""Tickets: what an offline scanner can trust."""

from __future__ import annotations

import base64
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events import tickets
from events.errors import Refused


def _fresh():
    registration_id, stop_id = uuid.uuid4(), uuid.uuid4()
    return registration_id, stop_id, tickets.issue(registration_id=registration_id, stop_id=stop_id)


def _unpad(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_ticket_says_which_registration_and_stop_it_is_for():
    registration_id, stop_id, code = _fresh()
    assert tickets.read(code) == tickets.TicketContent(registration_id=registration_id, stop_id=stop_id)


def _swap_stop(code: str) -> str:
    raw = bytearray(_unpad(code[3:]))
    raw[16:32] = uuid.uuid4().bytes
    return "T1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def _flip_signature_bit(code: str) -> str:
    raw = bytearray(_unpad(code[3:]))
    raw[-1] ^= 1
    return "T1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "forge",
    [_swap_stop, _flip_signature_bit, lambda code: code[:-10], lambda code: "T2." + code[3:], lambda code: code + "AAAA", lambda code: "T1.!!!!", lambda code: ""],
    ids=["other-stop", "flipped-bit", "truncated", "other-version", "extended", "garbage", "empty"],
)
def test_an_altered_or_forged_ticket_is_refused(forge):
    _, _, code = _fresh()
    with pytest.raises(Refused) as refusal:
        tickets.read(forge(code))
    assert refusal.value.code == "ticket_invalid"


def test_a_ticket_signed_with_another_key_is_refused():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body = uuid.uuid4().bytes + uuid.uuid4().bytes
    signature = Ed25519PrivateKey.generate().sign(b"T1." + body)
    with pytest.raises(Refused):
        tickets.read("T1." + base64.urlsafe_b64encode(body + signature).decode().rstrip("="))


async def test_a_scanner_verifies_a_ticket_offline_with_the_published_key_alone(client, stop, seeker):
    key = (await client.get("/api/tickets/public-key")).json()
    registration = (await client.post(f"/api/stops/{stop['id']}/registrations", headers=seeker)).json()
    raw = _unpad(registration["ticket"]["code"].removeprefix("T1."))
    body, signature = raw[:32], raw[32:]
    # What the scanner page does, with nothing of ours but the key: any exception here fails the test.
    Ed25519PublicKey.from_public_bytes(_unpad(key["public_key"])).verify(signature, b"T1." + body)
    assert uuid.UUID(bytes=body[:16]) == uuid.UUID(registration["id"]) and uuid.UUID(bytes=body[16:]) == uuid.UUID(stop["id"])


def test_short_codes_use_only_unambiguous_characters():
    codes = {tickets.new_short_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) & set("ILOU")


async def test_the_qr_image_decodes_with_an_independent_reader_even_dim_and_blurred(client, stop, seeker):
    import io

    import zxingcpp
    from PIL import Image, ImageEnhance, ImageFilter

    registration = (await client.post(f"/api/stops/{stop['id']}/registrations", headers=seeker)).json()
    png = (await client.get(registration["ticket"]["png_url"], headers=seeker)).content
    image = Image.open(io.BytesIO(png)).convert("L")
    (read,) = zxingcpp.read_barcodes(image)
    assert read.text == registration["ticket"]["code"]

    # A phone screen at night, seen by another phone's camera: smaller, softer, washed out.
    dim = image.resize((image.width // 3, image.height // 3)).filter(ImageFilter.GaussianBlur(1))
    dim = ImageEnhance.Contrast(dim).enhance(0.35)
    dim = ImageEnhance.Brightness(dim).enhance(0.5)
    assert [r.text for r in zxingcpp.read_barcodes(dim)] == [registration["ticket"]["code"]]
