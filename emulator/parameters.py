"""What Twilio posts with each webhook, as its documentation lists it: one table, one builder.

The emulator builds every request body through `post_params`, which refuses a name the table
does not list for that request, so the app is never fed a parameter real Twilio would not
send (for example QueuePosition on a Gather action: a promise built on it would be a guess).

Sources (read 2026-12):
- standard parameters: https://www.twilio.com/docs/usage/webhooks/voice-webhooks (formerly
  https://www.twilio.com/docs/api/twiml/twilio_request, "TwiML Voice: Twilio's Request");
  ForwardedFrom, CallerName and ParentCallSid only when they apply (a forwarded call,
  caller-name lookup on, a child leg).
- waitUrl: https://www.twilio.com/docs/voice/twiml/enqueue#attributes-waiturl-parameters
- Enqueue action: .../twiml/enqueue#attributes-action-parameters (QueueSid and QueueTime
  "only if the call was actually enqueued").
- Queue noun url: https://www.twilio.com/docs/voice/twiml/queue#attributes-url-parameters
- Gather action: https://www.twilio.com/docs/voice/twiml/gather#action (Digits for dtmf;
  for speech, SpeechResult, "the transcribed result of your caller's speech", and
  Confidence, "a confidence score between 0.0 and 1.0": asked by holdwell's optional reason
  question, `gather_speech`).
- Dial action: https://www.twilio.com/docs/voice/twiml/dial#action (DialCallSid and
  DialCallDuration describe the dialled leg: none when a Queue dial found nobody).
- Number url and AnsweredBy: https://www.twilio.com/docs/voice/twiml/number and
  https://www.twilio.com/docs/voice/answering-machine-detection (AnsweredBy only with
  machineDetection; `Enable` answers human, machine_start, fax or unknown).
- Status callback: https://www.twilio.com/docs/voice/api/call-resource#statuscallback
  (CallDuration and Duration only on `completed`; SipResponseCode and Recording* when they
  apply, which the emulator never simulates). The same request reports a REST call's end to
  its `status_callback` (CallStatus busy, no-answer, failed, canceled or completed).
- A REST call's `url` (Call resource, create: https://www.twilio.com/docs/voice/api/
  call-resource#create-a-call-resource, "the URL ... Twilio will request when the call
  connects"): the standard parameters with Direction outbound-api; with MachineDetection,
  AnsweredBy and MachineDetectionDuration (answering-machine-detection doc, "Webhook
  parameters"; the emulator sends AnsweredBy only, it does not model the detection's time).
- <Record> action: https://www.twilio.com/docs/voice/twiml/record (RecordingUrl,
  RecordingDuration, RecordingSid and Digits, the key that ended it or "hangup"; an empty
  recording posts nothing and the document goes on) and its transcribeCallback
  (TranscriptionSid, TranscriptionText, TranscriptionStatus, TranscriptionUrl, RecordingSid,
  RecordingUrl, CallSid, AccountSid).
- <Redirect>: https://www.twilio.com/docs/voice/twiml/redirect (the standard parameters only;
  the Enqueue doc does not promise queue parameters on a redirect inside the wait).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STANDARD = frozenset({"CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion",
                      "Direction"})
STANDARD_WHEN = frozenset({"ForwardedFrom", "CallerName", "ParentCallSid"})
QUEUE_WAIT = frozenset({"QueuePosition", "QueueSid", "QueueTime", "AvgQueueTime",
                        "CurrentQueueSize", "MaxQueueSize"})


@dataclass(frozen=True)
class Documented:
    """The parameters of one kind of request: always sent, and sent only when they apply."""

    always: frozenset[str]
    when: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        return self.always | self.when


DOCUMENTED: Mapping[str, Documented] = {
    "incoming": Documented(STANDARD, STANDARD_WHEN),
    "wait": Documented(STANDARD | QUEUE_WAIT, STANDARD_WHEN),
    "redirect": Documented(STANDARD, STANDARD_WHEN),
    "gather": Documented(STANDARD | {"Digits"}, STANDARD_WHEN),
    "gather_speech": Documented(STANDARD | {"SpeechResult", "Confidence"}, STANDARD_WHEN),
    "enqueue_action": Documented(STANDARD | {"QueueResult"},
                                 STANDARD_WHEN | {"QueueSid", "QueueTime"}),
    "queue_url": Documented(STANDARD | {"QueueSid", "QueueTime", "DequeingCallSid"},
                            STANDARD_WHEN),
    "dial_action": Documented(STANDARD | {"DialCallStatus", "DialBridged"},
                              STANDARD_WHEN | {"DialCallSid", "DialCallDuration",
                                               "RecordingUrl"}),
    "number_url": Documented(STANDARD, STANDARD_WHEN | {"AnsweredBy"}),
    "rest_answer": Documented(STANDARD, STANDARD_WHEN | {"AnsweredBy",
                                                         "MachineDetectionDuration"}),
    "record_action": Documented(STANDARD | {"RecordingUrl", "RecordingSid", "RecordingDuration"},
                                STANDARD_WHEN | {"Digits"}),
    "transcription": Documented(frozenset({"CallSid", "AccountSid", "RecordingSid",
                                           "RecordingUrl", "TranscriptionSid",
                                           "TranscriptionText", "TranscriptionStatus",
                                           "TranscriptionUrl"}), STANDARD | STANDARD_WHEN),
    "status": Documented(STANDARD | {"CallbackSource", "Timestamp", "SequenceNumber"},
                         STANDARD_WHEN | {"CallDuration", "Duration", "SipResponseCode",
                                          "RecordingUrl", "RecordingSid",
                                          "RecordingDuration"}),
}
"""Request kind -> its documented parameters (sources in the module docstring)."""


class UndocumentedParameter(ValueError):
    """The emulator was about to post something Twilio does not document for that request."""


def post_params(kind: str, values: Mapping[str, str]) -> dict[str, str]:
    """`values` as the body of a `kind` request, checked against the table."""
    documented = DOCUMENTED[kind]
    names = values.keys()
    if not documented.always <= names:
        raise UndocumentedParameter(f"{kind}: missing {sorted(documented.always - names)}")
    if not names <= documented.allowed:
        raise UndocumentedParameter(f"{kind}: not documented {sorted(names - documented.allowed)}")
    return dict(values)
