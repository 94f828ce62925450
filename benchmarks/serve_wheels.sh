#!/usr/bin/env bash
# Download, here, the wheels the gpu_*.sh scripts need on the GPU machine, whose image lacks
# Textual (ui_speed.py) and the server's and the client's packages (serve_speed.py); it has
# anyio, h11, click, rich, markdown-it-py, typer and typing-extensions. Run from the repository root; pass `.whl` in the device call's carry
# and start its command with the install line of the device notes:
#
#     bash benchmarks/serve_wheels.sh            # writes .whl/ (about 6 MB)
#
# Versions are the ones this machine's venv holds (the ones the tests ran with).
set -eu
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> "$(git rev-parse --git-path info/exclude)"
pins=$(python3 -m pip list --format=freeze 2>/dev/null | grep -iE '^(fastapi|starlette|pydantic|pydantic[-_]core|annotated[-_]types|typing[-_]inspection|opentelemetry[-_]api|uvicorn|openai|jiter|httpx2|httpcore2|truststore|sniffio|tomli[-_]w|platformdirs|textual|mdit[-_]py[-_]plugins|linkify[-_]it[-_]py|uc[-_]micro[-_]py)==')
for pin in $pins; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d .whl "$pin"
done
ls .whl
