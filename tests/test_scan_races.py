"""Sixty-four scanners at once: every scan recorded once, every person counted once, no errors, whatever is replayed."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter

from conftest import confirmed_tickets

from events.tables import CheckIn, Scan, Visit

SCANNERS = 64


async def test_sixty_four_scanners_sending_five_thousand_scans_with_repeats_and_replays_count_exactly(client, organiser, hr, night_market):
    tonight, booth = night_market["tonight"]["id"], night_market["a12"]["id"]
    people = await confirmed_tickets(tonight, 2000)
    rng = random.Random(20261125)
    # 4,000 first scans (everyone once at the gate and once at stall A12), then 1,000 repeats (20%), each with its own nonce.
    gate = [{"kind": "check_in", "stop_id": tonight, "ticket": p["code"], "nonce": str(uuid.uuid4())} for p in people]
    stall = [{"kind": "visit", "booth_id": booth, "ticket": p["short_code"], "nonce": str(uuid.uuid4())} for p in people]
    for p in rng.sample(people, 1000):
        if rng.random() < 0.5:
            gate.append({"kind": "check_in", "stop_id": tonight, "ticket": p["code"], "nonce": str(uuid.uuid4())})
        else:
            stall.append({"kind": "visit", "booth_id": booth, "ticket": p["code"], "nonce": str(uuid.uuid4())})
    rng.shuffle(gate)
    rng.shuffle(stall)
    # Half the scanners work the gate (organiser), half stall A12 (its HR); each then resends the second half of its
    # scans plus a slice of its neighbour's, as a phone does after a batch it never saw acknowledged.
    work = [(organiser, gate[n::32]) for n in range(32)] + [(hr, stall[n::32]) for n in range(32)]

    async def scanner(n: int) -> list[dict]:
        headers, mine = work[n]
        neighbour = work[(n + 1) % 32 + (32 if n >= 32 else 0)][1]
        answers = []
        for part in (mine, mine[len(mine) // 2 :] + neighbour[:10]):
            for start in range(0, len(part), 25):
                response = await client.post("/api/scans/sync", json={"scans": part[start : start + 25]}, headers=headers)
                assert response.status_code == 200, response.text
                answers.extend(response.json()["results"])
        return answers

    results = [r for answers in await asyncio.gather(*(scanner(n) for n in range(SCANNERS))) for r in answers]

    assert [r for r in results if r["result"] == "refused"] == []
    assert await Scan.count() == 5000, "every scan recorded exactly once, replays add nothing"
    assert await CheckIn.count() == 2000 and await Visit.count() == 2000, "every person counted once at the gate and once at the stall"
    by_nonce: dict[str, set[str]] = {}
    for r in results:
        by_nonce.setdefault(r["nonce"], set()).add(r["result"])
    assert all(len(answers) == 1 for answers in by_nonce.values()), "a replayed scan gets the answer it got the first time"
    firsts = Counter(next(iter(answers)) for answers in by_nonce.values())
    assert firsts == {"checked_in": 2000, "visited": 2000, "already_checked_in": len(gate) - 2000, "already_visited": len(stall) - 2000}


async def test_two_senders_using_the_same_nonces_at_the_same_moment_each_get_their_own_scans(client, hr, other_hr, night_market):
    a12, b3 = night_market["a12"]["id"], night_market["b3"]["id"]
    people = await confirmed_tickets(night_market["tonight"]["id"], 120)
    nonces = [str(uuid.uuid4()) for _ in range(60)]
    # Two employers' phones, same nonces (a cloned app, a bad random source), different visitors, all in flight together;
    # each nonce also goes twice from its own phone, as a retry does.
    plan = [(hr, a12, people[n], nonces[n]) for n in range(60)] + [(other_hr, b3, people[60 + n], nonces[n]) for n in range(60)]
    plan += plan[::3]
    random.Random(4).shuffle(plan)

    async def scan(headers, booth, person, nonce):
        response = await client.post(f"/api/booths/{booth}/visits", json={"ticket": person["code"], "nonce": nonce}, headers=headers)
        return person, response

    answers = await asyncio.gather(*(scan(*step) for step in plan))

    for person, response in answers:
        assert response.status_code == 201, response.text
        assert (response.json()["result"], response.json()["registration_id"]) == ("visited", person["id"]), "its own scan, never the other sender's"
    assert await Scan.count() == 120 and await Visit.count() == 120
