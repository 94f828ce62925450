"""The chat core: conversations, thinking, soft switches and sampling. No UI, no torch."""
