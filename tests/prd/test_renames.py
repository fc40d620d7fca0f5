"""Matching a re-import's new tasks to stored ones renamed in the document."""

from __future__ import annotations

from core.prd.renames import Wording, match_renames


def test_a_reworded_title_with_the_same_description_is_the_stored_task() -> None:
    new = [Wording("doc/checkout-payment-form", "Checkout payment form", "Card fields and 3DS.")]
    gone = [
        Wording("doc/payment-form", "Payment form", "Card fields and 3DS."),
        Wording("doc/receipts", "Receipts", "Email a PDF receipt."),
    ]
    assert match_renames(new, gone) == {"doc/checkout-payment-form": "doc/payment-form"}


def test_unrelated_words_are_no_rename() -> None:
    new = [Wording("doc/export", "Export the audit report", "CSV for compliance.")]
    gone = [Wording("doc/receipts", "Receipts", "Email a PDF receipt.")]
    assert match_renames(new, gone) == {}


def test_two_equally_good_candidates_are_no_guess() -> None:
    """A tie leaves both unmatched: a removed and a new task, never a wrong pairing."""
    new = [Wording("doc/login-v2", "Login v2", "")]
    gone = [Wording("doc/login-web", "Login web", ""), Wording("doc/login-app", "Login app", "")]
    assert match_renames(new, gone) == {}


def test_each_stored_task_is_taken_once_best_first() -> None:
    new = [
        Wording("doc/a2", "Import bank statements nightly", ""),
        Wording("doc/a3", "Import bank statements", ""),
    ]
    gone = [Wording("doc/a1", "Import bank statements daily", "")]
    assert match_renames(new, gone) == {"doc/a3": "doc/a1"}
