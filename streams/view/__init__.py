"""The analyst's view: the tracked stories and latest alerts, folded from the output topics into one page."""
