from xml.etree import ElementTree


def verbs(xml: bytes) -> list[str]:
    return [child.tag for child in ElementTree.fromstring(xml)]


def test_incoming_enqueues_with_wait_and_action_urls(twilio):
    response = twilio.post("/voice/incoming", {"CallSid": "CA1", "From": "+14155550100"})
    assert response.status_code == 200
    root = ElementTree.fromstring(response.data)
    enqueue = root.find("Enqueue")
    assert enqueue.text == "support"
    assert enqueue.get("waitUrl") == "/voice/wait?policy=checkin&queue=support"
    print(response.data.decode())
