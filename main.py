"""Entry point: `app` for ASGI servers, and the command line (serve, migrate, create-organiser, demo)."""

from events.app import app

__all__ = ["app"]

if __name__ == "__main__":
    from events.cli import main

    main()
