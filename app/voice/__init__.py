"""The Twilio Voice webhooks (DESIGN.md, "Twilio contract")."""
