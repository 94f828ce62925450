"""Sessions: append-only JSON Lines files, resume, replay, playback and export. No UI."""
