"""The command line: Typer apps that parse, call the library, and render. The only place
that prints or exits."""
