"""The webhook deliverer's pending table: one entry per alert, finished deliveries kept as done, ownership."""

from __future__ import annotations

from typing import Any

from agents.alerting import PendingTable, partition_of


def _record(delivery: str, alert_id: str, subscription: str = "newsroom") -> dict[str, Any]:
    return {"delivery_id": delivery, "webhook_id": delivery, "subscription": subscription,
            "alert": {"id": alert_id}, "attempts": 0, "history": [], "reason": None}


def test_partition_of_matches_the_java_clients_murmur2() -> None:
    # values from Kafka's own DefaultPartitioner for 3 partitions (Utils.murmur2 & 0x7fffffff % 3)
    assert [partition_of(k, 3) for k in (b"a", b"b", b"alert-0001")] == [
        (0x7FFFFFFF & _java_murmur2(k)) % 3 for k in (b"a", b"b", b"alert-0001")]


def _java_murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2, transcribed independently of aiokafka's copy."""
    seed, m, r = 0x9747B28C, 0x5BD1E995, 24
    length = len(data)
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(length // 4):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def test_a_finished_delivery_is_done_not_pending_and_its_alert_stays_known() -> None:
    table: dict[bytes, bytes] = {}
    store = PendingTable(table, 1, owned=lambda: {0})
    store.put("msg_1", _record("msg_1", "alert-1"))
    store.put("msg_2", _record("msg_2", "alert-1", "archive"))
    assert len(table) == 1 and sorted(k for k, _ in store.items()) == ["msg_1", "msg_2"]
    store.delete("msg_1")
    assert [k for k, _ in store.items()] == ["msg_2"] and store.known("alert-1") and not store.known("alert-2")


def test_only_the_owned_partitions_are_resumed_and_expired() -> None:
    table: dict[bytes, bytes] = {}
    owned = {0}
    store = PendingTable(table, 3, owned=lambda: owned)
    ids = [f"alert-{n}" for n in range(12)]
    for n, alert_id in enumerate(ids):
        store.put(f"msg_{n}", _record(f"msg_{n}", alert_id))
    mine = {f"msg_{n}" for n, a in enumerate(ids) if partition_of(a.encode(), 3) == 0}
    assert mine and {k for k, _ in store.items()} == mine
    for key in mine:
        store.delete(key)
    assert store.expire(now=10**10, retention_s=1.0) == len(mine) and len(table) == len(ids) - len(mine)
