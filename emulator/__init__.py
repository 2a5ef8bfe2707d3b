"""A Twilio emulator: virtual callers and agents drive the real Flask app as Twilio would."""
