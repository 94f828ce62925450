"""`--engine openai`: a client of any OpenAI-compatible server (vLLM, SGLang, llama.cpp's
llama-server, Ollama, `qwen-chat serve`), through the official `openai` package.

`engine.py` is the engine, `reply.py` reads one streamed reply, `failures.py` turns the
client's exceptions into one line for the user.
"""
