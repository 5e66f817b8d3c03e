"""Subcommands of ``python -m pipeline``; each module: NAME, HELP, add_arguments(parser), run(args)."""
