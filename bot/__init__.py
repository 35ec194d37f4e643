"""Channels, hand-off and the web app of Asystent Naborów."""
