"""Sentence and paragraph segmentation."""

from streams.text import paragraph_spans, sentence_spans


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_paragraphs_are_separated_by_blank_lines() -> None:
    text = "First para.\n\n  Second para.\n \n\nThird."
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["First para.", "Second para.", "Third."]


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = "Mr. Smith met U.S. officials and George W. Bush on Monday. They left."
    assert _sentences(text) == ["Mr. Smith met U.S. officials and George W. Bush on Monday.", "They left."]


def test_closing_quote_stays_with_its_sentence() -> None:
    text = 'He said "We will go." She did not.'
    assert _sentences(text) == ['He said "We will go."', "She did not."]


def test_sentences_never_cross_paragraphs() -> None:
    text = "No full stop here\n\nNext paragraph"
    assert _sentences(text) == ["No full stop here", "Next paragraph"]
