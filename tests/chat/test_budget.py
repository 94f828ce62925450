"""The context budget: fits, fits with a shorter reply, or a clear way out."""

from __future__ import annotations

from qwen_tui.chat.budget import BudgetVerdict, check_budget, context_limit_for


def test_context_limit_is_40960_and_grows_with_yarn():
    assert context_limit_for(None) == 40_960
    assert context_limit_for(2.0) == 65_536
    assert context_limit_for(4.0) == 131_072


def test_short_conversation_fits():
    budget = check_budget(1_200, 32_768, 40_960)
    assert budget.verdict is BudgetVerdict.FITS and budget.fits
    assert budget.max_new_tokens == 32_768
    assert budget.message == ""


def test_exact_fit_is_a_fit():
    assert check_budget(8_192, 32_768, 40_960).verdict is BudgetVerdict.FITS


def test_longer_conversation_offers_a_shorter_reply_or_dropping_turns():
    budget = check_budget(20_000, 32_768, 40_960, turn_tokens=[6_000, 3_000, 4_000, 2_000])
    assert budget.verdict is BudgetVerdict.FEWER_NEW_TOKENS and budget.fits
    assert budget.max_new_tokens == 20_960
    assert budget.turns_to_drop == 3  # 6,000 + 3,000 + 4,000 frees the 11,808 needed
    assert "20,960" in budget.message and "drop the oldest 3 turns" in budget.message
    assert "\n" not in budget.message


def test_full_context_does_not_fit_and_says_how_many_turns_to_drop():
    budget = check_budget(40_500, 32_768, 40_960, turn_tokens=[33_000, 5_000], alone_tokens=2_500)
    assert budget.verdict is BudgetVerdict.TOO_LONG and not budget.fits
    assert budget.max_new_tokens == 0
    assert budget.turns_to_drop == 1  # 33,000 frees the 32,308 a full reply needs
    assert budget.message.endswith(": drop the oldest turn or start a new conversation.")
    assert budget.new_conversation_tokens == 32_768


def test_when_the_full_reply_can_never_fit_drop_enough_for_a_short_one():
    budget = check_budget(40_900, 32_768, 40_960, turn_tokens=[2_000, 2_000, 2_000])
    assert budget.verdict is BudgetVerdict.TOO_LONG
    assert budget.turns_to_drop == 1  # 2,060 frees room for a 1,024-token reply


def test_a_message_too_long_on_its_own_says_to_shorten_it():
    budget = check_budget(45_000, 32_768, 40_960, turn_tokens=[500])
    assert budget.verdict is BudgetVerdict.TOO_LONG
    assert budget.turns_to_drop is None
    assert "shorten it" in budget.message


def test_without_turn_sizes_the_way_out_is_still_clear():
    budget = check_budget(40_900, 32_768, 40_960)
    assert budget.turns_to_drop is None
    assert "start a new conversation" in budget.message


def test_a_small_reply_request_is_not_refused_for_a_large_minimum():
    budget = check_budget(40_800, 100, 40_960)
    assert budget.verdict is BudgetVerdict.FITS
    budget = check_budget(40_900, 100, 40_960)
    assert budget.verdict is BudgetVerdict.TOO_LONG


def test_a_message_that_alone_exceeds_the_context_is_named_as_the_problem():
    budget = check_budget(84_506, 32_768, 40_960, alone_tokens=84_506)
    assert budget.verdict is BudgetVerdict.TOO_LONG and budget.message_too_long
    assert budget.message.startswith("Your message is 84,506 tokens; the model takes 40,960 in all")
    assert "new conversation" not in budget.message
    assert budget.new_conversation_tokens == 0 and budget.turns_to_drop is None


def test_a_new_conversation_is_named_only_when_it_frees_room():
    first_message = check_budget(20_000, 32_768, 40_960, alone_tokens=20_000)
    assert "new conversation" not in first_message.message
    assert first_message.new_conversation_tokens == 0
    with_history = check_budget(20_000, 32_768, 40_960, turn_tokens=[15_000], alone_tokens=5_000)
    assert with_history.message.endswith(
        "reply with fewer tokens, drop the oldest turn, or start a new conversation."
    )
    assert with_history.new_conversation_tokens == 32_768
