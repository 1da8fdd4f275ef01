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


def test_time_abbreviation_ends_a_sentence_only_before_a_sentence_opener() -> None:
    assert _sentences("They met at 7 p.m. He said nothing.") == ["They met at 7 p.m.", "He said nothing."]
    assert _sentences("They met at 7 p.m. Monday in Doha.") == ["They met at 7 p.m. Monday in Doha."]


def test_single_line_break_after_a_headline_or_full_stop_ends_a_sentence() -> None:
    text = "Talks resume in Doha\nDelegates arrived late. Officials said so.\nThe envoy left."
    assert _sentences(text) == ["Talks resume in Doha", "Delegates arrived late.", "Officials said so.", "The envoy left."]


def test_hard_wrapped_running_text_is_not_split_at_line_breaks() -> None:
    text = ("The foreign minister said that the delegation would travel to the capital\n"
            "on Monday to meet the mediators.")
    assert _sentences(text) == [text]
