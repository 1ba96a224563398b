"""Billing: plans (plans.py), a client's monthly bill (invoice.py) from the
stored calls (store.py), and its annex (render.py); `ivr report billing
--client C --month YYYY-MM` (command.py)."""
