"""Telephone-ready hold audio: format, band, level, comfort noise and prompts (pydub + numpy).

One job per module:
  formats   read any WAV (others via ffmpeg), write 8 kHz PCM or mu-law WAV
  g711      mu-law / A-law codec in numpy
  filters   telephone band-limit *before* resampling to 8 kHz
  levels    P.56 active speech level, gated RMS, peak
  dynamics  peak limiter, music levelling, fades, silence trimming
  kinds     prompt / music / noise: targets and how each is measured
  prepare   the pipeline: any input -> Twilio-ready WAV
  check     measurements and verdicts in words
  generate  comfort noise and a soft music bed
  speech    prompts rendered offline with espeak-ng
  library   names -> checked, content-hashed files for the web app
  _pydub    the only place pydub is imported (silences its import-time warnings)

Nothing here imports Flask, Twilio, app, simulator or analytics.
"""
