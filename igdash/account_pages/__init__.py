"""The Accounts pages (/accounts/...): the list of tracked accounts (accounts.py)
and one account's page with its lists (account.py). They sit in the shell because
they combine several apps: accounts, scrapes, list queries, imports."""
