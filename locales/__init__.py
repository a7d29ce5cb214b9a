"""gettext catalogs (zh_CN/LC_MESSAGES/{lessons,tui}.po and their compiled .mo)."""
