"""Screens pushed over the inbox: help, prompts, choices and the idle lock."""
