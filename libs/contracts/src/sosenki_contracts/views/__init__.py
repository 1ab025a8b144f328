"""Response shapes that more than one service answers with (the owning service and reporting,
which answers the same questions from events). Amounts are strings in the currency's minor
units, as everywhere on the wire."""
