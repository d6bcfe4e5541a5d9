"""alertbot: news alerts on security incidents for security officers, over Telegram."""

__version__ = "0.1.0"
