"""Reading TwiML back in tests: verbs, and the rule of what a wait document may hold."""

from __future__ import annotations

from xml.etree import ElementTree

WAIT_VERBS = {"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"}
CONNECT_VERBS = {"Play", "Say", "Pause", "Redirect"}


def parse(xml: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return root


def top_verbs(xml: bytes) -> list[str]:
    return [child.tag for child in parse(xml)]


def all_verbs(xml: bytes) -> set[str]:
    return {node.tag for node in parse(xml).iter()} - {"Response"}


def spoken(xml: bytes) -> str:
    return " ".join(node.text or "" for node in parse(xml).iter("Say"))
