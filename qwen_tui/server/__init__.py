"""`qwen-chat serve`: the OpenAI chat completions API over any engine, one request at a time.

Split by role, as vLLM's server is: `protocol.py` holds the wire models, `routes.py` the
FastAPI app, `serving.py` the one engine and its queue, `served_turn.py` one request's
turn through the conversation core, and `request_turn.py` what a request asks for.
"""
