"""E-mail: the SMTP transport (transport.py), the messages it sends (render.py) and the signed
personal links those messages carry (links.py)."""
