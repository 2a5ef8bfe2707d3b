"""The console: server-rendered pages for operators and analysts (wired by app.console.setup)."""
