"""The bottom layer: settings, the clock, the error catalogue and pub/sub.

Everything above may import it; it imports nothing else of ours (and not Litestar or Celery).
"""
