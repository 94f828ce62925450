"""Engines run the model. They import no UI; events reach the UI through a callback."""
