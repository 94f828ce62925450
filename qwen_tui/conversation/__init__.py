"""The conversation in use, for every front-end: no Textual, no torch.

`ConversationCore` owns the conversation, the one current copy of the settings, the
queue of prompts, the live turn and the request ids, and runs a turn's lifecycle once:
plan, budget verdict, request, engine events, finished message, session record. Each of
its methods returns the `updates` a front-end shows. The chat UI, `run` and
`replay --print` (`blocking.py`) are front-ends of it.
"""
