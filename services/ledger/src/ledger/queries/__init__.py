"""The ledger's reads: each checks who may see what (``use_cases.access``) and returns a typed
view (``ledger.views``); routes only call them."""
