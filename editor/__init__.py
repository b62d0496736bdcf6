"""Mask editor for AI image editing."""

__version__ = "0.1.0"
