"""What a call asks of the data: who is calling, is this PIN right, what do
things cost today. The engine imports these names from here; the queries
behind them live in the data package's store module, ivr/data/store.py."""

from .store import AccountView, BillingRuleView, DataSource, TariffView

__all__ = ["AccountView", "BillingRuleView", "DataSource", "TariffView"]
