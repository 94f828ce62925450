"""Engines that run no model: `DemoEngine` (canned replies, for trying the app and for
tests) and `PlaybackEngine` (a saved session played back as it was recorded)."""
