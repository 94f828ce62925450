from qwen_tui.cli import main

main()
