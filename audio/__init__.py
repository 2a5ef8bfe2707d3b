"""Telephone-ready hold audio: format, band, level, comfort noise and prompts (pydub + numpy).

One job per module:
  stream    signals a block at a time: windows with context, scratch-file tracks
  formats   read any WAV (others via ffmpeg) a block at a time, write 8 kHz PCM or mu-law WAV
  g711      mu-law / A-law codec in numpy, and its rounding noise
  filters   telephone band-limit *before* resampling to 8 kHz; band energies
  levels    P.56 active speech level, gated RMS, peak
  distortion  flat tops (clipping at any level, smoothed or not), true peak, DC, wrap-around
  content   is anything there? (empty, cancelling channels, nothing in the band)
  scan      everything check and prepare measure about a file, in two block-wise passes
  dynamics  peak limiter, music levelling, fades, silence trimming
  kinds     prompt / music / noise: targets and how each is measured
  pipeline  prepare's processing, block by block
  prepare   any input -> Twilio-ready WAV (refusals, warnings, tag)
  check     verdicts in words
  generate  comfort noise and a soft music bed
  speech    prompts rendered offline with espeak-ng
  library   names -> checked, content-hashed files for the web app
  _pydub    the only place pydub is imported (silences its import-time warnings)

Nothing here imports Flask, Twilio, app, simulator or analytics.
"""
