"""The demo engine's Chinese replies, for questions asked in Chinese."""

from __future__ import annotations

from qwen_tui.engine.scripted.demo_topics import (
    COUNT_WORDS_CODE,
    FIBONACCI_CODE,
    DemoLanguage,
    DemoTopic,
)

_TOPICS = (
    DemoTopic(
        keywords=("反转", "翻转", "倒序", "字符串", "reverse"),
        musing=(
            "用一个简短、完整的例子来说明最清楚。除非用户指定了别的语言，用 Python 比较稳妥。"
            "函数要保持纯粹、命名清晰，然后解释其中唯一需要注意的地方：步长为负的切片会从后往前遍历字符串。"
        ),
        answer=(
            "## 反转字符串\n\n"
            "在 Python 中，步长为 `-1` 的切片会从末尾开始遍历字符串：\n\n"
            "```python\n"
            "def reverse(text: str) -> str:\n"
            '    """返回倒过来的 `text`。"""\n'
            "    return text[::-1]\n\n\n"
            'print(reverse("千问"))  # 问千\n'
            "```\n\n"
            "- 它适用于任何 Unicode 字符串，按码位逐个反转。\n"
            "- 它会生成一个新字符串；Python 的字符串不可原地修改。\n"
        ),
    ),
    DemoTopic(
        keywords=("斐波那契", "生成器", "数列", "惰性", "fibonacci"),
        musing=(
            "讲这个问题最经典的例子就是斐波那契数列。生成器只占用常量内存，"
            "比反复计算相同值的朴素递归好得多。我来展示生成器的写法，再提一下 itertools。"
        ),
        answer=(
            "## 惰性的斐波那契数列\n\n"
            "生成器每次产出一个数，只保留最后两个值：\n\n"
            + FIBONACCI_CODE
            + "1. `islice` 只取前十个值，不会去构造无穷无尽的其余部分。\n"
            "2. 每一步的时间和内存开销都是常量。\n"
        ),
    ),
    DemoTopic(
        keywords=("文件", "读取", "单词", "词数", "统计", "file"),
        musing=(
            "逐行读取文件最节省内存。`with` 语句即使出错也会关闭文件，"
            "显式指定编码可以避免在其他平台上出问题。统计每行的单词数能让例子更具体。"
        ),
        answer=(
            "## 统计文件中的单词数\n\n"
            "惰性地逐行读取文件，这样再大的文件也不会占满内存：\n\n"
            + COUNT_WORDS_CODE
            + "- 即使抛出异常，`with` 也会关闭文件。\n"
            '- 对于编码未知的文件，可以给 `open` 传入 `errors="replace"`。\n'
        ),
    ),
)

CHINESE = DemoLanguage(
    topics=_TOPICS,
    opening="好的，用户写道：“{asked}”。我来想想他们真正需要什么。",
    closing=(
        "等等，我得再检查一下边界情况：空输入也应该能正常工作，而且示例必须能照原样运行。\n\n"
        "好了，一个简短的标题、一段代码，再加两条说明，这样就够了。"
    ),
    disclaimer="\n*（演示引擎：这是预设的回复，并没有运行模型。）*",
)
