"""A chat template in the Qwen3 format, written by this project for synthetic checkpoints.

Real models bring their own template (the app always uses the model directory's); this one
lets tests and benchmarks build complete model directories. It follows the published
format: ChatML turns; past assistant turns keep only their answer (a `<think>` block is cut
off, except on assistant turns after the last user message); the generation prompt opens an
assistant turn, and with `enable_thinking=False` it appends an empty `<think>\\n\\n</think>\\n\\n`.
Tool calls are not covered.
"""

QWEN3_CHAT_TEMPLATE = """\
{%- set first_system = messages and messages[0].role == 'system' -%}
{%- if first_system -%}
<|im_start|>system
{{ messages[0].content }}<|im_end|>
{% endif -%}
{%- set state = namespace(last_user=-1) -%}
{%- for message in messages -%}
{%- if message.role == 'user' -%}{%- set state.last_user = loop.index0 -%}{%- endif -%}
{%- endfor -%}
{%- for message in messages -%}
{%- if message.role == 'assistant' -%}
{%- set answer = message.content -%}
{%- set thought = '' -%}
{%- if '</think>' in answer -%}
{%- set thought = answer.split('</think>')[0].split('<think>')[-1].strip('\\n') -%}
{%- set answer = answer.split('</think>')[-1].lstrip('\\n') -%}
{%- endif -%}
{%- if loop.index0 > state.last_user and (loop.last or thought) -%}
<|im_start|>assistant
<think>
{{ thought }}
</think>

{{ answer }}<|im_end|>
{% else -%}
<|im_start|>assistant
{{ answer }}<|im_end|>
{% endif -%}
{%- elif not (loop.first and first_system) -%}
<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
<|im_start|>assistant
{% if enable_thinking is defined and enable_thinking is false -%}
<think>

</think>

{% endif -%}
{%- endif -%}
"""
