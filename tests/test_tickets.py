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


async def _admitted(code, stop_id):
    from events.registrations import admit

    try:
        await admit(code=code, stop_id=uuid.UUID(stop_id))
    except Refused as refusal:
        return refusal.code
    return "admitted"


async def test_at_the_gate_a_ticket_admits_only_a_live_confirmed_place_at_its_own_stop(client, organiser, published_train, seeker):
    from conftest import many_seekers, set_capacity

    first, second = published_train["stops"][0]["id"], published_train["stops"][1]["id"]
    await set_capacity(client, organiser, first, 1)
    mine = (await client.post(f"/api/stops/{first}/registrations", headers=seeker)).json()
    (late,) = await many_seekers(1)
    waiting = (await client.post(f"/api/stops/{first}/registrations", headers=late)).json()
    code = mine["ticket"]["code"]

    assert await _admitted(code, first) == "admitted"
    assert await _admitted(code, second) == "ticket_other_stop"
    assert await _admitted(_flip_signature_bit(code), first) == "ticket_invalid"
    assert await _admitted(waiting["ticket"]["code"], first) == "waitlisted"
    await client.delete(f"/api/registrations/{mine['id']}", headers=seeker)
    assert await _admitted(code, first) == "registration_cancelled", "a cancelled place's ticket is refused"
    assert await _admitted(waiting["ticket"]["code"], first) == "admitted", "promoted from the waitlist, the same ticket now admits"
    await client.post(f"/api/stops/{first}/cancel", headers=organiser)
    assert await _admitted(waiting["ticket"]["code"], first) == "stop_cancelled"
