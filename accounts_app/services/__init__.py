"""Write-side logic of accounts_app, callable from views, commands and tasks."""
