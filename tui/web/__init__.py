"""Web mode (`gradtour serve`): textual-serve's server, made safe for a shared box.

auth.py      the token and the host/origin rules (pure functions, tested alone)
server.py    the aiohttp server: every route guarded, sessions bounded, a quick stop
templates/   the page; static/ its script, style and fonts (served from here only)

Never imports torch; textual-serve and aiohttp are imported by server.py only.
"""
